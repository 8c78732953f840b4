import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config/limits.ts';
import { demoData, insertDemoData } from '../src/demo/seed.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';
import { createProcessDatabase, type ProcessDatabase } from './support/process-database.ts';
import { post, type ServerProcess, startServerProcess } from './support/server-process.ts';
import { recordTrust } from './support/trust-record.ts';

/**
 * Bad input of every kind. Every answer must be a refusal a client can read (HTTP 4xx with a
 * coded error, or a payload whose userErrors say why), never a 5xx; no row may change; the
 * server must go on answering, with its memory bounded.
 */

const RUNS = 60;
/** Random each run, as fuzzing should be; a failure prints its seed, and FUZZ_SEED=… replays it. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let t: TestApp;
let customerId: string;

beforeAll(async () => {
  t = await createTestApp();
  await insertDemoData(t.prisma, demoData(t.merchant.accountId, 'TEST', 5));
  customerId = (await t.prisma.customer.findFirstOrThrow({ where: { accountId: t.merchant.accountId } })).id;
});
afterAll(() => t?.close());

interface Answer {
  status: number;
  body: { data?: Record<string, { userErrors?: unknown[] } | null> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function send(body: BodyInit, contentType = 'application/json'): Promise<Answer> {
  const response = await t.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': contentType, accept: 'application/graphql-response+json', authorization: `Bearer ${t.merchant.testKey}` },
    body,
  });
  const text = await response.text();
  let parsed: Answer['body'];
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { errors: [{ message: text }] };
  }
  return { status: response.status, body: parsed };
}

const sendGraphQL = (query: string, variables?: unknown) => send(JSON.stringify({ query, variables }));

const seen = new Map<string, number>();

/** A refusal: a coded 4xx, or a mutation payload with userErrors. Never 5xx, never a success. */
function expectRefused(answer: Answer, what: string) {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body).slice(0, 300)}`).toBeLessThan(500);
  const errors = answer.body.errors ?? [];
  const userErrors = Object.values(answer.body.data ?? {}).flatMap((payload) => payload?.userErrors ?? []);
  if (answer.status >= 400) {
    expect(errors.length, what).toBeGreaterThan(0);
    for (const error of errors) expect(error.extensions?.code, `${what}: ${error.message}`).toMatch(/^[A-Z_]+$/);
  } else {
    expect(
      userErrors.length + errors.length,
      `${what} was answered as a success: ${JSON.stringify(answer.body).slice(0, 300)}`,
    ).toBeGreaterThan(0);
    for (const error of errors) expect(error.extensions?.code, `${what}: ${error.message}`).toMatch(/^[A-Z_]+$/);
  }
  for (const error of errors) expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  const outcome =
    answer.status >= 400 || errors.length ? `${answer.status} ${errors[0].extensions?.code}` : `${answer.status} with userErrors`;
  seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
}

async function rowCounts() {
  const p = t.prisma;
  return {
    accounts: await p.account.count(),
    apiKeys: await p.apiKey.count(),
    customers: await p.customer.count(),
    versions: (await p.customer.aggregate({ _sum: { version: true } }))._sum.version,
    events: await p.event.count(),
    idempotencyKeys: await p.idempotencyKey.count(),
    subscriptions: await p.subscription.count(),
    invoices: await p.invoice.count(),
  };
}

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

const CREATE = 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code } } }';
const UPDATE = 'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } userErrors { code } } }';
const READS = [
  `{ customers(first: 3) { totalCount edges { node { ${EVERY_FIELD} } } } }`,
  'query($id: ID!) { node(id: $id) { id ... on Customer { email } } }',
  'query($f: CustomerFilter) { customers(first: 5, filter: $f) { edges { cursor node { id } } } }',
];

/** Arbitrary JSON as a client could send it, nested up to a few levels. */
const json = fc.jsonValue({ maxDepth: 4 });
const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/);

describe('fuzzing the GraphQL endpoint', () => {
  let before: Awaited<ReturnType<typeof rowCounts>>;
  let heapBefore: number;
  let tries = 0;
  const property = async <T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>) => {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        tries++;
        await check(value);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  };

  beforeAll(async () => {
    before = await rowCounts();
    heapBefore = heapAfterGc();
  });

  it('malformed documents: random text, and real documents with characters cut, doubled or inserted', async () => {
    await property(fc.string({ maxLength: 300 }), async (query) =>
      expectRefused(await sendGraphQL(query), `query ${JSON.stringify(query)}`),
    );
    const broken = fc
      .tuple(
        fc.constantFrom(...READS, CREATE),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('', '{', '}', '(', ')', ':', '$', '"', '...', '@', '!', '[', '#')), {
          minLength: 1,
          maxLength: 4,
        }),
      )
      .map(([document, edits]) =>
        edits.reduce((doc, [at, insert]) => {
          const i = at % doc.length;
          return doc.slice(0, i) + insert + doc.slice(i + (insert ? 0 : 1));
        }, document),
      )
      .filter((document) => !READS.includes(document) && document !== CREATE);
    await property(broken, async (query) => {
      const answer = await sendGraphQL(query, { id: customerId, input: { name: 42 } });
      // A cut that keeps a read valid may still be answered; it must never fail on the server.
      if (answer.status === 200 && !answer.body.errors && !query.startsWith('mutation')) return;
      expectRefused(answer, `broken ${query.slice(0, 80)}`);
    });
  });

  it('bodies that are not GraphQL requests: random JSON, random bytes, invalid UTF-8', async () => {
    await property(json, async (body) => expectRefused(await send(JSON.stringify(body)), `body ${JSON.stringify(body).slice(0, 80)}`));
    await property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), async (bytes) => expectRefused(await send(bytes), 'random bytes'));
    const invalidUtf8 = fc.constantFrom(
      [0xff],
      [0xfe, 0xff],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xe2, 0x28, 0xa1],
      [0x80],
    );
    await property(fc.tuple(invalidUtf8, fc.constantFrom('name', 'email', 'description')), async ([bad, field]) => {
      const [head, tail] = JSON.stringify({ query: CREATE, variables: { input: { [field]: 'MARK' } } }).split('MARK');
      const encoder = new TextEncoder();
      expectRefused(await send(new Uint8Array([...encoder.encode(head), ...bad, ...encoder.encode(tail)])), `invalid UTF-8 in ${field}`);
    });
  });

  it('huge strings in every text field, up to and past the body limit; NUL and lone surrogates', async () => {
    const fields = [
      'name',
      'email',
      'phone',
      'description',
      'companyName',
      'taxId',
      'locale',
      'currency',
      'invoicePrefix',
      'externalId',
      'stripeId',
      'fingerprint',
    ];
    const size = fc.oneof(
      fc.integer({ min: 1_001, max: 20_000 }),
      fc.integer({ min: DEFAULT_LIMITS.maxBodyBytes - 1_000, max: DEFAULT_LIMITS.maxBodyBytes * 3 }),
    );
    await property(fc.tuple(fc.constantFrom(...fields), size, fc.constantFrom('a', 'é', '😀', '\u0000')), async ([field, length, char]) => {
      expectRefused(
        await sendGraphQL(CREATE, { input: { [field]: char.repeat(length) } }),
        `${length} × ${JSON.stringify(char)} in ${field}`,
      );
    });
    const unstorable = fc
      .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\ud800', '\udfff'), fc.string({ maxLength: 20 }))
      .map((parts) => parts.join(''));
    await property(fc.tuple(fc.constantFrom(...fields, 'search'), unstorable), async ([field, text]) => {
      const answer =
        field === 'search'
          ? await sendGraphQL('query($v: String) { customers(filter: { search: $v }) { totalCount } }', { v: text })
          : await sendGraphQL(CREATE, { input: { [field]: text, metadata: { [text]: text } } });
      expectRefused(answer, `${JSON.stringify(text)} in ${field}`);
    });
    await property(fc.integer({ min: 1_000, max: 50_000 }), async (length) =>
      expectRefused(
        await sendGraphQL(UPDATE, { input: { id: customerId, metadata: { note: 'x'.repeat(length) } } }),
        `metadata value of ${length}`,
      ),
    );
  });

  it('deep and wide variables', async () => {
    await property(fc.integer({ min: 2, max: 15_000 }), async (depth) => {
      const deepObject = `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`;
      const deepList = `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
      for (const [field, value] of [
        ['metadata', deepObject],
        ['preferredLocales', deepList],
        ['address', deepObject],
        ['name', deepList],
      ]) {
        expectRefused(
          await send(`{"query":${JSON.stringify(CREATE)},"variables":{"input":{"${field}":${value}}}}`),
          `${field} nested ${depth} deep`,
        );
      }
    });
    await property(fc.integer({ min: 51, max: 5_000 }), async (width) => {
      const wide = Object.fromEntries(Array.from({ length: width }, (_, i) => [`k${i}`, 'v']));
      expectRefused(await sendGraphQL(CREATE, { input: { metadata: wide } }), `metadata with ${width} keys`);
      expectRefused(await sendGraphQL(CREATE, { input: wide }), `input with ${width} unknown fields`);
      expectRefused(
        await sendGraphQL(CREATE, { input: { taxIds: Array.from({ length: width }, () => ({ type: 'eu_vat', value: 'DE1' })) } }),
        `${width} tax ids`,
      );
    });
  });

  it('wrong types and unknown fields', async () => {
    const typed: Record<string, (v: unknown) => boolean> = {
      name: (v) => typeof v === 'string' || v === null,
      nextInvoiceSequence: (v) => Number.isInteger(v) && Math.abs(v as number) < 2 ** 31,
      sendEmailReceipts: (v) => typeof v === 'boolean',
      accountBalance: (v) => typeof v === 'string' || Number.isInteger(v),
      taxExempt: (v) => v === 'NONE' || v === 'EXEMPT' || v === 'REVERSE',
      address: (v) => v === null || (typeof v === 'object' && !Array.isArray(v)),
      metadata: (v) => v === null || (typeof v === 'object' && !Array.isArray(v)),
    };
    await property(
      fc.tuple(fc.constantFrom(...Object.keys(typed)), json).filter(([field, value]) => !typed[field](value)),
      async ([field, value]) =>
        expectRefused(
          await sendGraphQL(UPDATE, { input: { id: customerId, [field]: value } }),
          `${field}: ${JSON.stringify(value).slice(0, 60)}`,
        ),
    );
    // "_x" makes every generated name one the schema does not have.
    await property(
      fc.tuple(
        identifier.map((name) => `${name}_x`),
        json,
      ),
      async ([unknown, value]) => {
        expectRefused(await sendGraphQL(`{ customers(first: 1) { edges { node { id ${unknown} } } } }`), `field ${unknown}`);
        expectRefused(await sendGraphQL(CREATE, { input: { [unknown]: value } }), `input field ${unknown}`);
        expectRefused(
          await sendGraphQL(`query($id: ID!) { customer(id: $id, ${unknown}: 1) { id } }`, { id: customerId }),
          `argument ${unknown}`,
        );
      },
    );
    await property(json, async (id) => {
      fc.pre(typeof id !== 'string' && !Number.isInteger(id));
      expectRefused(await sendGraphQL('query($id: ID!) { customer(id: $id) { id } }', { id }), `id ${JSON.stringify(id).slice(0, 60)}`);
    });
  });

  afterAll(async () => {
    // The server answers as before, no row changed, and the heap is back near where it was.
    const healthy = await sendGraphQL('{ customers(first: 1) { totalCount } }');
    expect(healthy.status).toBe(200);
    expect(await rowCounts()).toEqual(before);
    const growth = heapAfterGc() - heapBefore;
    expect(growth).toBeLessThan(100 * 1024 * 1024);
    const outcome = [...seen]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${n} × ${code}`)
      .join(', ');
    recordTrust({
      attack: 'Fuzz (fast-check): malformed documents, bodies, bytes, huge/deep/wide/mistyped input',
      tries,
      outcome: `${outcome}; heap +${Math.round(growth / 1024 / 1024)} MB`,
      rowsChanged: '0',
    });
  });
});

describe('fuzzing a started server process', () => {
  let database: ProcessDatabase;
  let server: ServerProcess;
  let key: string;

  beforeAll(async () => {
    database = await createProcessDatabase();
    key = await database.inspect(async (db) => {
      const { migrateDatabase } = await import('../src/data/migrate.ts');
      const { createAccount } = await import('../src/auth/accounts.ts');
      await migrateDatabase(db);
      return (await createAccount(db.prisma, 'Fuzzed')).testKey;
    });
    server = await startServerProcess(database.env);
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('stays up under random bytes and oversized bodies, with its memory bounded', async () => {
    const health = async () => (await fetch(`${server.origin}/health`)).status;
    // Resident memory of the server process, in bytes (Linux).
    const residentMemory = () => Number(readFileSync(`/proc/${server.child.pid}/statm`, 'utf8').split(' ')[1]) * 4096;
    expect(await health()).toBe(200);
    const rssBefore = residentMemory();
    let tries = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 5_000 }),
          fc.integer({ min: DEFAULT_LIMITS.maxBodyBytes, max: 4 * DEFAULT_LIMITS.maxBodyBytes }).map((n) => new Uint8Array(n).fill(0x7b)),
        ),
        async (bytes) => {
          tries++;
          const response = await fetch(`${server.origin}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: bytes,
          });
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          await response.arrayBuffer();
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    expect(server.child.exitCode).toBeNull();
    expect(await health()).toBe(200);
    expect((await post(server.origin, key, '{ customers { totalCount } }')).data.customers.totalCount).toBe(0);
    expect(residentMemory() - rssBefore).toBeLessThan(200 * 1024 * 1024);
    recordTrust({
      attack: 'Fuzz against a started server: random bytes and bodies up to 4× the limit',
      tries,
      outcome: '4xx every time; process up; RSS bounded',
      rowsChanged: '0',
    });
  });
});
