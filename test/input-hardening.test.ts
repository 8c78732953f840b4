import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/data/database.ts';
import { MigrationError, migrate, readMigrations } from '../src/data/migrate.ts';
import { createTestApp, type GraphQLResponse, onPostgres, READ_PATHS, type TestApp } from './helpers.ts';
import { recordTrust } from './support/trust-record.ts';

const CREATE = `mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id email metadata metadataEntries { key value } } userErrors { field code message } }
}`;
const UPDATE = `mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id version email metadata } userErrors { field code message } }
}`;
const READ = 'query($id: ID!) { customer(id: $id) { metadata metadataEntries { key value } } }';
const LIST =
  'query($filter: CustomerFilter, $after: String, $orderBy: CustomerOrder) { customers(filter: $filter, after: $after, orderBy: $orderBy) { edges { cursor node { id email } } } }';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const rowCounts = async () => ({ customers: await t.prisma.customer.count(), events: await t.prisma.event.count() });

async function create(input: Record<string, unknown>, key?: string) {
  const response = await t.request(CREATE, { input }, { key });
  expect(response.errors).toBeUndefined();
  return response.data!.createCustomer;
}

async function update(input: Record<string, unknown>) {
  const response = await t.request(UPDATE, { input });
  expect(response.errors).toBeUndefined();
  return response.data!.updateCustomer;
}

/** A refusal of a query argument: no data, the code, and the argument it names. */
function expectBadArgument(response: GraphQLResponse, argument: string) {
  expect(response.data?.customers ?? null).toBeNull();
  expect(response.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', argument })]);
}

describe('values past what their column holds are refused before the database', () => {
  const BIGINT_MAX = '9223372036854775807';
  const BIGINT_MIN = '-9223372036854775808';
  const pastBigint = ['9223372036854775808', '-9223372036854775809', '99999999999999999999999', '-99999999999999999999999'];

  it('accountBalance past bigint: TOO_LARGE naming the field, on create and update, as a variable or a literal; nothing written', async () => {
    const { customer } = await create({ name: 'Balance' });
    const before = await rowCounts();
    for (const balance of pastBigint) {
      const refused = {
        customer: null,
        userErrors: [{ field: ['input', 'accountBalance'], code: 'TOO_LARGE', message: expect.stringContaining(BIGINT_MAX) }],
      };
      expect(await create({ accountBalance: balance })).toEqual(refused);
      expect(await update({ id: customer.id, accountBalance: balance })).toEqual(refused);
      const literal = await t.request(
        `mutation { createCustomer(input: { accountBalance: ${balance.startsWith('-') ? `"${balance}"` : balance} }) { userErrors { field code } } }`,
      );
      expect(literal.data?.createCustomer.userErrors).toEqual([{ field: ['input', 'accountBalance'], code: 'TOO_LARGE' }]);
    }
    expect(await rowCounts()).toEqual(before);
    expect((await t.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } })).version).toBe(1);
    for (const edge of [BIGINT_MAX, BIGINT_MIN]) expect((await update({ id: customer.id, accountBalance: edge })).userErrors).toEqual([]);
    recordTrust({
      attack: 'Input: accountBalance past bigint (create, update; variable, literal)',
      tries: pastBigint.length * 3,
      outcome: `${pastBigint.length * 3} × TOO_LARGE, no 5xx`,
      rowsChanged: '0',
    });
  });

  it('Int fields past 32 bits (nextInvoiceSequence, expectedVersion, first) are 400 BAD_USER_INPUT naming the field', async () => {
    const { customer } = await create({ name: 'Sequence' });
    const before = await rowCounts();
    const answers = [
      await t.request(CREATE, { input: { nextInvoiceSequence: 2 ** 31 } }),
      await t.request(UPDATE, { input: { id: customer.id, expectedVersion: 2 ** 31, name: 'x' } }),
      await t.request('query($first: Int) { customers(first: $first) { edges { node { id } } } }', { first: -(2 ** 31) - 1 }),
    ];
    const fields = ['input.nextInvoiceSequence', 'input.expectedVersion', '$first'];
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0].message).toContain(fields[i].startsWith('$') ? fields[i] : `"${fields[i]}"`);
    });
    expect(await rowCounts()).toEqual(before);
    recordTrust({
      attack: 'Input: Int arguments past 32 bits',
      tries: answers.length,
      outcome: `${answers.length} × 400 BAD_USER_INPUT`,
      rowsChanged: '0',
    });
  });

  it('a createdAt filter outside timestamp(3) is BAD_USER_INPUT naming the bound, compiled and through the resolvers', async () => {
    for (const via of READ_PATHS) {
      expectBadArgument(
        await t.request(LIST, { filter: { createdAt: { gt: '0000-01-01T00:00:00.000Z' } } }, { via }),
        'filter.createdAt.gt',
      );
      expectBadArgument(
        await t.request(LIST, { filter: { createdAt: { lte: '0000-12-31T23:59:59.999Z' } } }, { via }),
        'filter.createdAt.lte',
      );
      const earliest = await t.request(
        LIST,
        {
          filter: { createdAt: { gte: '0001-01-01T00:00:00.000Z', lte: '9999-12-31T23:59:59.999Z' } },
        },
        { via },
      );
      expect(earliest.errors).toBeUndefined();
    }
    recordTrust({
      attack: 'Input: createdAt filter outside timestamp(3)',
      tries: 4,
      outcome: '4 × BAD_USER_INPUT naming the bound',
      rowsChanged: '0',
    });
  });

  it('a metadata filter that no customer could match (more than 50 conditions, a key or value too long) is BAD_USER_INPUT', async () => {
    const conditions = (n: number) => Array.from({ length: n }, () => ({ key: 'k', value: 'v' }));
    for (const via of READ_PATHS) {
      expect((await t.request(LIST, { filter: { metadata: conditions(50) } }, { via })).errors).toBeUndefined();
      expectBadArgument(await t.request(LIST, { filter: { metadata: conditions(4000) } }, { via }), 'filter.metadata');
      expectBadArgument(
        await t.request(LIST, { filter: { metadata: [{ key: 'k'.repeat(41), value: 'v' }] } }, { via }),
        'filter.metadata.0.key',
      );
      expectBadArgument(
        await t.request(LIST, { filter: { metadata: [{ key: 'k', value: 'v'.repeat(501) }] } }, { via }),
        'filter.metadata.0.value',
      );
    }
    recordTrust({
      attack: 'Input: metadata filter of 4,000 conditions / overlong key or value',
      tries: 6,
      outcome: '6 × BAD_USER_INPUT',
      rowsChanged: '0',
    });
  });

  it('a cursor carrying U+0000, the year 0000 or another list\'s key is BAD_USER_INPUT on "after", not a failed statement', async () => {
    const { customer } = await create({ name: 'Cursor' });
    const cursor = (text: string) => Buffer.from(`GPC:${text}`).toString('base64');
    const listCursors = [
      cursor('S:cus_\u0000'),
      cursor('N:5'),
      cursor('T:["S:cus_x","S:cus_y"]'),
      cursor(`S:${customer.id.replace('cus_', 'inv_')}`),
    ];
    const invoicesOf = 'query($id: ID!, $after: String) { customer(id: $id) { invoices(after: $after) { edges { cursor } } } }';
    const invoiceCursors = [
      cursor(`T:["S:${customer.id}","D:-62198755200000","S:inv_x"]`),
      cursor(`T:["S:${customer.id}","D:1700000000000","S:inv_\u0000"]`),
      cursor(`T:["S:${customer.id}","S:not an instant","S:inv_x"]`),
      cursor('T:["S:cus_someoneelse","D:1700000000000","S:inv_x"]'),
      cursor(`S:${customer.id}`),
    ];
    for (const via of READ_PATHS) {
      for (const after of listCursors) expectBadArgument(await t.request(LIST, { after }, { via }), 'after');
      for (const after of invoiceCursors) expectBadArgument(await t.request(invoicesOf, { id: customer.id, after }, { via }), 'after');
    }
    recordTrust({
      attack: "Input: forged cursors with U+0000, year 0000, or another list's key",
      tries: (listCursors.length + invoiceCursors.length) * 2,
      outcome: `${(listCursors.length + invoiceCursors.length) * 2} × BAD_USER_INPUT on after`,
      rowsChanged: '0',
    });
  });
});

describe('metadata keys that are special to JavaScript are stored like any other', () => {
  const metadataOf = (json: string) => JSON.parse(json) as Record<string, string>;

  async function expectReadBack(id: string, metadata: Record<string, string>) {
    const entries = Object.entries(metadata)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => ({ key, value }));
    for (const via of READ_PATHS) {
      const { customer } = (await t.request(READ, { id }, { via })).data!;
      expect(JSON.stringify(Object.entries(customer.metadata).sort())).toBe(JSON.stringify(Object.entries(metadata).sort()));
      expect(customer.metadataEntries).toEqual(entries);
    }
  }

  it('__proto__ round-trips on create, as a variable and as a literal, compiled and through the resolvers', async () => {
    const sent = metadataOf('{"__proto__":"x","constructor":"c","toString":"s","$type":"BigInt","value":"1"}');
    const { customer } = await create({ metadata: sent });
    expect(Object.keys(customer.metadata).sort()).toEqual(['$type', '__proto__', 'constructor', 'toString', 'value']);
    await expectReadBack(customer.id, sent);

    const literal = await t.request(
      'mutation { createCustomer(input: { metadata: { __proto__: "lit", a: "b" } }) { customer { id } userErrors { code } } }',
    );
    expect(literal.data?.createCustomer.userErrors).toEqual([]);
    await expectReadBack(literal.data!.createCustomer.customer.id, metadataOf('{"__proto__":"lit","a":"b"}'));
  });

  it('__proto__ is set, changed and removed by updates, and the event records it', async () => {
    const { customer } = await create({ metadata: { a: 'b' } });
    const added = await update({ id: customer.id, metadata: metadataOf('{"__proto__":"one"}') });
    expect(added.userErrors).toEqual([]);
    await expectReadBack(customer.id, metadataOf('{"a":"b","__proto__":"one"}'));
    await update({ id: customer.id, metadata: metadataOf('{"__proto__":"two","c":"d"}') });
    await expectReadBack(customer.id, metadataOf('{"a":"b","__proto__":"two","c":"d"}'));
    const events = await t.request('query($id: ID!) { customer(id: $id) { events(first: 1) { edges { node { data } } } } }', {
      id: customer.id,
    });
    const changes = events.data!.customer.events.edges[0].node.data.changes;
    expect(Object.keys(changes.metadata.before)).toContain('__proto__');
    expect(Object.getOwnPropertyDescriptor(changes.metadata.after, '__proto__')?.value).toBe('two');
    await update({ id: customer.id, metadata: metadataOf('{"__proto__":""}') });
    await expectReadBack(customer.id, { a: 'b', c: 'd' });
    recordTrust({
      attack: 'Input: __proto__ / constructor / $type as metadata keys',
      tries: 6,
      outcome: 'stored, read back (compiled and resolvers), merged and removed like any key',
      rowsChanged: 'as asked',
      lostWrites: 0,
    });
  });
});

describe('email uniqueness ignores case and is refused with invisible characters', () => {
  const TAKEN = {
    customer: null,
    userErrors: [{ field: ['input', 'email'], code: 'EMAIL_TAKEN', message: expect.stringContaining('already used') }],
  };

  it('case and compatibility variants of a live email are EMAIL_TAKEN on create and update; nothing written', async () => {
    const { customer } = await create({ email: 'norm.x@example.com' });
    const { customer: other } = await create({ email: 'other.x@example.com' });
    const before = await rowCounts();
    const variants = ['NORM.X@EXAMPLE.COM', 'norm.x@Example.com', 'Norm.X@example.com', '\uff4eorm.x@example.com'];
    for (const email of variants) {
      expect(await create({ email })).toEqual(TAKEN);
      expect(await update({ id: other.id, email })).toEqual(TAKEN);
    }
    expect(await rowCounts()).toEqual(before);
    // The owner may change the case of its own address.
    expect((await update({ id: customer.id, email: 'Norm.X@Example.com' })).customer.email).toBe('Norm.X@Example.com');
    recordTrust({
      attack: 'Email uniqueness: case / fullwidth variants of a live email',
      tries: variants.length * 2,
      outcome: `${variants.length * 2} × EMAIL_TAKEN`,
      rowsChanged: '0',
    });
  });

  it('stays per account and environment, and a deleted customer frees the address in any case', async () => {
    const { customer } = await create({ email: 'scope.x@example.com' });
    expect((await create({ email: 'SCOPE.X@example.com' }, t.merchant.liveKey)).userErrors).toEqual([]);
    expect((await create({ email: 'SCOPE.X@example.com' }, t.otherMerchant.testKey)).userErrors).toEqual([]);
    await t.request('mutation($id: ID!) { deleteCustomer(input: { id: $id }) { userErrors { code } } }', { id: customer.id });
    expect((await create({ email: 'SCOPE.X@EXAMPLE.COM' })).userErrors).toEqual([]);
  });

  it('an email with an invisible, format or space character is INVALID naming it', async () => {
    await create({ email: 'hidden.x@example.com' });
    const before = await rowCounts();
    const hidden = {
      'U+200B': 'hidden.x\u200b@example.com',
      'U+200D': 'hidden\u200d.x@example.com',
      'U+00AD': 'hid\u00adden.x@example.com',
      'U+FEFF': '\ufeffhidden.x@example.com',
      'U+00A0': 'hidden.x@example.com\u00a0',
      'U+2060': 'hidden.x@exa\u2060mple.com',
      'U+0020': 'hidden .x@example.com',
    };
    for (const [codePoint, email] of Object.entries(hidden)) {
      const refused = await create({ email });
      expect(refused.userErrors, codePoint).toEqual([
        { field: ['input', 'email'], code: 'INVALID', message: expect.stringContaining(codePoint) },
      ]);
    }
    expect(await rowCounts()).toEqual(before);
    recordTrust({
      attack: 'Email uniqueness: invisible characters (U+200B, U+200D, U+00AD, …)',
      tries: Object.keys(hidden).length,
      outcome: `${Object.keys(hidden).length} × INVALID`,
      rowsChanged: '0',
    });
  });

  it('20 concurrent creates of case variants of one email leave exactly one customer', async () => {
    const variants = Array.from({ length: 20 }, (_, i) =>
      [...'race.x@example.com'].map((c, j) => ((i >> (j % 5)) & 1 ? c.toUpperCase() : c)).join(''),
    );
    const answers = await Promise.all(variants.map((email) => t.request(CREATE, { input: { email } })));
    expect(answers.every((a) => a.status === 200 && a.errors === undefined)).toBe(true);
    const codes = answers.map((a) => a.data!.createCustomer.userErrors.map((e: { code: string }) => e.code).join(',') || 'ok');
    expect({ ok: codes.filter((c) => c === 'ok').length, taken: codes.filter((c) => c === 'EMAIL_TAKEN').length }).toEqual({
      ok: 1,
      taken: 19,
    });
    const rows = await t.prisma.customer.findMany({ where: { email: { equals: 'race.x@example.com', mode: 'insensitive' } } });
    expect(rows).toHaveLength(1);
    recordTrust({
      attack: 'Concurrency: 20 creates of case variants of one email',
      tries: 20,
      outcome: '1 created, 19 × EMAIL_TAKEN',
      rowsChanged: '1 customer + 1 event',
      doubledWrites: 0,
    });
  });

  it('the email filter finds the customer whatever case the caller types, compiled and through the resolvers', async () => {
    const { customer } = await create({ email: 'Find.Me@Example.com' });
    for (const via of READ_PATHS) {
      for (const email of ['find.me@example.com', 'FIND.ME@EXAMPLE.COM', 'Find.Me@Example.com', '\uff46ind.me@example.com']) {
        const answer = await t.request(LIST, { filter: { email } }, { via });
        expect(
          answer.data!.customers.edges.map((e: { node: { id: string } }) => e.node.id),
          email,
        ).toEqual([customer.id]);
      }
      expect((await t.request(LIST, { filter: { email: 'find.me@example' } }, { via })).data!.customers.edges).toEqual([]);
    }
  });
});

describe('the migration to case-insensitive emails, on a database holding emails that differ only by case', () => {
  const ours = '20261201130000_customer_email_folded';

  /** A database with every migration before ours applied. */
  async function databaseBeforeOurs() {
    if (!onPostgres) return { db: await openDatabase({}), drop: async () => {} };
    const name = `cg_test_fold_${Date.now()}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    return {
      db: await openDatabase({ databaseUrl: url.toString() }),
      drop: async () => {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      },
    };
  }

  it('stops, rolled back whole, naming how many addresses and no address; after the merchant resolves them it applies', async () => {
    const { db, drop } = await databaseBeforeOurs();
    const session = await db.openSession();
    try {
      await migrate(
        session,
        readMigrations().filter((m) => m.name < ours),
      );
      await session.exec(`INSERT INTO "Account" (id, name) VALUES ('acct_1', 'Old data')`);
      await session.exec(`INSERT INTO "Customer" (id, "accountId", env, email, "updatedAt") VALUES
        ('cus_1', 'acct_1', 'TEST', 'dup.x@example.com', now()), ('cus_2', 'acct_1', 'TEST', 'DUP.X@example.com', now()),
        ('cus_3', 'acct_1', 'LIVE', 'DUP.X@example.com', now())`);
      const error = await migrate(session).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toContain(ours);
      expect((error as Error).message).toContain('1 email address(es) are each held by more than one live customer');
      expect((error as Error).message).not.toMatch(/dup\.x/i);
      const columns = await session.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'Customer' AND column_name = 'emailFolded'`,
      );
      expect(columns).toEqual([]);

      await session.exec(`UPDATE "Customer" SET email = 'dup.y@example.com' WHERE id = 'cus_2'`);
      expect(await migrate(session)).toEqual(
        readMigrations()
          .filter((m) => m.name >= ours)
          .map((m) => m.name),
      );
      const folded = await session.query<{ id: string; emailFolded: string }>(`SELECT id, "emailFolded" FROM "Customer" ORDER BY id`);
      expect(folded).toEqual([
        { id: 'cus_1', emailFolded: 'dup.x@example.com' },
        { id: 'cus_2', emailFolded: 'dup.y@example.com' },
        { id: 'cus_3', emailFolded: 'dup.x@example.com' },
      ]);
    } finally {
      await session.release();
      await db.close();
      await drop();
    }
  });
});
