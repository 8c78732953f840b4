import { getIntrospectionQuery, Lexer, Source, TokenKind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsFromEnv } from '../src/config/limits.ts';
import { demoData, insertDemoData } from '../src/demo/seed.ts';
import { DEFAULT_QUERY } from '../src/http/app.ts';
import type { Context } from '../src/resolvers/context.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';
import { recordTrust } from './support/trust-record.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await insertDemoData(t.prisma, demoData(t.merchant.accountId, 'TEST', 25));
});
afterAll(() => t?.close());

const refusals: Record<string, number> = {};

function expectRefused(response: GraphQLResponse, code: string, status = 400) {
  expect(response.status).toBe(status);
  expect(response.data ?? null).toBeNull();
  expect(response.errors?.map((e) => e.extensions?.code)).toContain(code);
  refusals[code] = (refusals[code] ?? 0) + 1;
}

function expectAnswered(response: GraphQLResponse) {
  expect(response.errors).toBeUndefined();
  expect(response.status).toBe(200);
}

function countTokens(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count++;
  return count;
}

/** customers → referrals → referredCustomer, repeated: a document exactly `depth` fields deep. */
function deepQuery(depth: number): string {
  let selection = 'id';
  for (let level = depth - 1; level >= 4; level--) {
    selection = level % 2 === 0 ? `referrals { ${selection} }` : `referredCustomer { ${selection} }`;
  }
  return `{ customers(first: 1) { edges { node { ${selection} } } } }`;
}

describe('document limits (values in src/config/limits.ts)', () => {
  it(`depth: ${DEFAULT_LIMITS.maxDepth} levels answer, one more is MAX_DEPTH_EXCEEDED`, async () => {
    expectAnswered(await t.request(deepQuery(DEFAULT_LIMITS.maxDepth)));
    expectRefused(await t.request(deepQuery(DEFAULT_LIMITS.maxDepth + 1)), 'MAX_DEPTH_EXCEEDED');
  });

  it(`aliases: ${DEFAULT_LIMITS.maxAliases} answer, one more is MAX_ALIASES_EXCEEDED`, async () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: customers(first: 1) { totalCount }`).join(' ')} }`;
    expectAnswered(await t.request(aliased(DEFAULT_LIMITS.maxAliases)));
    expectRefused(await t.request(aliased(DEFAULT_LIMITS.maxAliases + 1)), 'MAX_ALIASES_EXCEEDED');
  });

  it(`tokens: ${DEFAULT_LIMITS.maxTokens} answer, one more is MAX_TOKENS_EXCEEDED`, async () => {
    // Many fragments, each spread once (9 tokens each), topped up with __typename (1 token each).
    const document = (fragments: number, pad: number) => {
      const names = Array.from({ length: fragments }, (_, i) => `T${i}`);
      return `{ customers(first: 1) { totalCount ${'__typename '.repeat(pad)}} ${names.map((name) => `...${name}`).join(' ')} } ${names.map((name) => `fragment ${name} on Query { __typename }`).join(' ')}`;
    };
    const tokens = (n: number) => {
      const base = countTokens(document(0, 0));
      return document(Math.floor((n - base) / 9), (n - base) % 9);
    };
    expect(countTokens(tokens(DEFAULT_LIMITS.maxTokens))).toBe(DEFAULT_LIMITS.maxTokens);
    expectAnswered(await t.request(tokens(DEFAULT_LIMITS.maxTokens)));
    expectRefused(await t.request(tokens(DEFAULT_LIMITS.maxTokens + 1)), 'MAX_TOKENS_EXCEEDED');
  });

  it(`directives: ${DEFAULT_LIMITS.maxDirectives} answer, one more is MAX_DIRECTIVES_EXCEEDED`, async () => {
    const fields = ['id', 'name', 'email', 'phone', 'description', 'companyName', 'taxId', 'locale', 'currency', 'version', 'createdAt'];
    const directives = (n: number) => {
      const marked = Array.from(
        { length: n },
        (_, i) => `${fields[Math.floor(i / 2)]} ${i % 2 ? '@skip(if: false)' : '@include(if: true)'}`,
      );
      return `{ customers(first: 1) { edges { node { ${marked.join(' ')} } } } }`;
    };
    expectAnswered(await t.request(directives(DEFAULT_LIMITS.maxDirectives)));
    expectRefused(await t.request(directives(DEFAULT_LIMITS.maxDirectives + 1)), 'MAX_DIRECTIVES_EXCEEDED');
  });

  it('field suggestions are hidden, in the document and in variables', async () => {
    const field = await t.request('{ customers { edges { node { emial } } } }');
    expectRefused(field, 'GRAPHQL_VALIDATION_FAILED');
    const variable = await t.request('mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }', {
      input: { emial: 'a@example.com' },
    });
    expectRefused(variable, 'BAD_USER_INPUT');
    for (const response of [field, variable]) {
      expect(response.errors![0].message).toContain('[Suggestion hidden]');
      expect(response.errors![0].message).not.toMatch(/Did you mean|"email"/);
    }
  });
});

describe('page-size-aware cost limit', () => {
  const HUGE =
    '{ customers(first: 100) { edges { node { invoices(first: 100) { edges { node { id } } } charges(first: 100) { edges { node { id } } } events(first: 100) { edges { node { id } } } } } } }';

  it('refuses 100 customers × (100 invoices + 100 charges + 100 events) before it runs, with literals or variables', async () => {
    const refused = await t.countStatements(async () => expectRefused(await t.request(HUGE), 'COST_LIMIT_EXCEEDED'));
    // As many statements as an operation that reads nothing: none but, for a new key, its lookup.
    expect(refused).toBe(await t.countStatements(() => t.request('{ __typename }')));
    const withVariables = HUGE.replace(/first: 100/g, 'first: $n').replace('{', 'query($n: Int) {');
    expectRefused(await t.request(withVariables, { n: 100 }), 'COST_LIMIT_EXCEEDED');
    expect((await t.request(withVariables, { n: 100 })).errors![0].message).toMatch(/could load 60501 objects; at most 20000/);
  });

  it(`answers a cost of exactly ${DEFAULT_LIMITS.maxCost} and refuses one more`, async () => {
    // 1 + 100 edges + 100 nodes + 100 × (1 + 98 + 98) = 19,901; the alias adds 1 + 49 + 49 = 99, and pageInfo 1.
    const atLimit = (extra: string) =>
      `{ customers(first: 100) { edges { node { invoices(first: 98) { edges { node { id } } } } } } a: customers(first: 49) { totalCount edges { node { id } } ${extra} } }`;
    expectAnswered(await t.request(atLimit('')));
    expectRefused(await t.request(atLimit('pageInfo { hasNextPage }')), 'COST_LIMIT_EXCEEDED');
  });

  it('answers what a frontend sends: the GraphiQL default query, pages of 20 and 100 customers with every nested field, introspection, _service', async () => {
    expectAnswered(await t.request(DEFAULT_QUERY));
    const page = `query($first: Int) { customers(first: $first) { totalCount edges { node { ${EVERY_FIELD} } } pageInfo { hasNextPage endCursor } } }`;
    const twenty = await t.request(page, { first: 20 });
    expectAnswered(twenty);
    expect(twenty.data?.customers.edges).toHaveLength(20);
    expectAnswered(await t.request(page, { first: 100 }));
    expectAnswered(await t.request(getIntrospectionQuery()));
    expectAnswered(await t.request('{ _service { sdl } }'));
  });
});

describe('request body size', () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    t.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${t.merchant.testKey}`,
        ...headers,
      },
      body,
      ...({ duplex: 'half' } as object),
    });
  /** A valid request of exactly `bytes` bytes, padded in an unused variable. */
  const bodyOf = (bytes: number) => {
    const empty = JSON.stringify({ query: '{ customers(first: 1) { totalCount } }', variables: { pad: '' } });
    return JSON.stringify({ query: '{ customers(first: 1) { totalCount } }', variables: { pad: 'x'.repeat(bytes - empty.length) } });
  };

  it(`answers ${DEFAULT_LIMITS.maxBodyBytes} bytes and refuses one more with 413, with or without Content-Length`, async () => {
    expect((await post(bodyOf(DEFAULT_LIMITS.maxBodyBytes))).status).toBe(200);
    const tooLarge = await post(bodyOf(DEFAULT_LIMITS.maxBodyBytes + 1));
    expectRefused({ status: tooLarge.status, headers: tooLarge.headers, ...(await tooLarge.json()) }, 'REQUEST_ENTITY_TOO_LARGE', 413);
    const bytes = new TextEncoder().encode(bodyOf(DEFAULT_LIMITS.maxBodyBytes + 1));
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
        controller.close();
      },
    });
    const streamed = await post(chunked);
    expectRefused({ status: streamed.status, headers: streamed.headers, ...(await streamed.json()) }, 'REQUEST_ENTITY_TOO_LARGE', 413);
  });
});

describe('execution timeout', () => {
  /** Makes node(id) of a customer wait `ms` on its loader, as a resolver stuck on a slow database would. */
  function slowCustomerLoader(ms: number): Plugin {
    return {
      onExecute({ args }) {
        const ctx = args.contextValue as unknown as Context;
        const { node } = ctx.loaders;
        ctx.loaders = { ...ctx.loaders, node: (id) => new Promise((resolve) => setTimeout(resolve, ms)).then(() => node(id)) };
      },
    };
  }
  const limits = { ...DEFAULT_LIMITS, executionTimeoutMs: 300 };

  it('answers within the limit, and past it answers EXECUTION_TIMEOUT at the deadline, not when the resolver is done', async () => {
    // The resolvers read node(id) through the loaders, which these apps' plugins slow down.
    const fast = await createTestApp({ limits, plugins: [slowCustomerLoader(20)], compiledRead: false });
    const slow = await createTestApp({ limits, plugins: [slowCustomerLoader(6_000)], compiledRead: false });
    try {
      const query = 'query($id: ID!) { node(id: $id) { id } }';
      expectAnswered(await fast.request(query, { id: 'cus_000000000000000000000000' }));
      const started = Date.now();
      const timedOut = await slow.request(query, { id: 'cus_000000000000000000000000' });
      expect(Date.now() - started).toBeLessThan(5_000);
      expectRefused(timedOut, 'EXECUTION_TIMEOUT');
      expect(timedOut.errors![0].message).toContain('ran longer than 0.3 s');
      // The server goes on answering.
      expectAnswered(await slow.request('{ customers(first: 1) { totalCount } }'));
    } finally {
      await fast.close();
      await slow.close();
    }
  });
});

describe('introspection', () => {
  const SCHEMA = '{ __schema { queryType { name } } }';

  it('is on by default and off with INTROSPECTION=false; __typename always works', async () => {
    expectAnswered(await t.request(SCHEMA));
    expect(limitsFromEnv({}).introspection).toBe(true);
    expect(limitsFromEnv({ INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(limitsFromEnv({ INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(() => limitsFromEnv({ INTROSPECTION: 'no' })).toThrow('INTROSPECTION must be true or false');

    const previous = process.env.INTROSPECTION;
    process.env.INTROSPECTION = 'false';
    const closed = await createTestApp();
    try {
      expectRefused(await closed.request(SCHEMA), 'INTROSPECTION_DISABLED');
      expectRefused(await closed.request('{ __type(name: "Customer") { name } }'), 'INTROSPECTION_DISABLED');
      expectAnswered(await closed.request('{ __typename customers(first: 1) { totalCount } }'));
    } finally {
      if (previous === undefined) delete process.env.INTROSPECTION;
      else process.env.INTROSPECTION = previous;
      await closed.close();
    }
  });
});

afterAll(() => {
  const tries = Object.values(refusals).reduce((a, b) => a + b, 0);
  if (tries) {
    const outcome = Object.entries(refusals)
      .map(([code, n]) => `${n} × ${code}`)
      .join(', ');
    recordTrust({
      attack: 'Limits: depth, aliases, tokens, directives, cost, body size, timeout, introspection',
      tries,
      outcome: `4xx: ${outcome}`,
      rowsChanged: '0',
    });
  }
});
