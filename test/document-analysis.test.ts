import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config/limits.ts';
import { demoData, insertDemoData } from '../src/demo/seed.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, createTestApp, type GraphQLResponse, listenOnLoopback, type TestApp } from './helpers.ts';
import { recordTrust } from './support/trust-record.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await insertDemoData(t.prisma, demoData(t.merchant.accountId, 'TEST', 3));
});
afterAll(() => t?.close());

const outcomes: Record<string, Record<string, number>> = {};

function tally(attack: string, response: GraphQLResponse) {
  const outcome = response.status === 200 && !response.errors ? 'answered' : String(response.errors?.[0]?.extensions?.code);
  outcomes[attack] ??= {};
  outcomes[attack][outcome] = (outcomes[attack][outcome] ?? 0) + 1;
}

function expectRefused(response: GraphQLResponse, code: string) {
  expect(response.status).toBe(400);
  expect(response.data ?? null).toBeNull();
  expect(response.errors?.map((e) => e.extensions?.code)).toEqual([code]);
}

function expectAnswered(response: GraphQLResponse) {
  expect(response.errors).toBeUndefined();
  expect(response.status).toBe(200);
}

/**
 * `{ ...F0 }` where each of `levels` fragments spreads the next `spreads` times and the last
 * selects `leaf`: a few thousand bytes that stand for spreads^levels copies of the leaf.
 */
function nestedSpreads(spreads: number, levels: number, leaf: string): string {
  const fragments = Array.from({ length: levels }, (_, level) => `fragment F${level} on Query { ${`...F${level + 1} `.repeat(spreads)}}`);
  return `{ ...F0 } ${fragments.join(' ')} fragment F${levels} on Query { ${leaf} }`;
}

/** `{ ...D0 }` where each of `levels` fragments spreads the next twice: 2^levels copies of the leaf. */
function doublingSpreads(levels: number, leaf: string): string {
  const fragments = Array.from({ length: levels }, (_, level) => `fragment D${level} on Query { ...D${level + 1} ...D${level + 1} }`);
  return `{ ...D0 } ${fragments.join(' ')} fragment D${levels} on Query { ${leaf} }`;
}

const NESTED_ATTACK = 'Document analysis: nested fragment spreads (320³, 240⁴, 2¹⁵⁰ copies)';

describe('every analysis takes time linear in the document', () => {
  it('answers 3 levels of 320 spreads of __typename, and 4 levels of 240, within the token limit', async () => {
    for (const document of [nestedSpreads(320, 3, '__typename'), nestedSpreads(240, 4, '__typename')]) {
      expect(document.length).toBeLessThan(8_000);
      const response = await t.request(document);
      expectAnswered(response);
      expect(response.data).toEqual({ __typename: 'Query' });
      tally(NESTED_ATTACK, response);
    }
  });

  it('refuses what the spreads multiply: cost, aliases and directives, counted as the expanded operation counts them', async () => {
    const cost = await t.request(nestedSpreads(240, 4, 'customers(first: 1) { totalCount }'));
    expectRefused(cost, 'COST_LIMIT_EXCEEDED');
    expect(cost.errors![0].message).toContain(`could load ${240 ** 4} objects`);
    const aliases = await t.request(nestedSpreads(320, 3, 'service: _service { sdl }'));
    expectRefused(aliases, 'MAX_ALIASES_EXCEEDED');
    expect(aliases.errors![0].message).toBe(`Aliases limit of ${DEFAULT_LIMITS.maxAliases} exceeded, found ${320 ** 3}.`);
    const directives = await t.request(nestedSpreads(320, 3, '__typename @include(if: true)'));
    expectRefused(directives, 'MAX_DIRECTIVES_EXCEEDED');
    expect(directives.errors![0].message).toBe(`Directives limit of ${DEFAULT_LIMITS.maxDirectives} exceeded, found ${320 ** 3}.`);
    for (const response of [cost, aliases, directives]) tally(NESTED_ATTACK, response);
  });

  it('saturates a count past what a number holds exactly, and still refuses', async () => {
    const cost = await t.request(doublingSpreads(150, 'customers(first: 1) { totalCount }'));
    expectRefused(cost, 'COST_LIMIT_EXCEEDED');
    expect(cost.errors![0].message).toContain(`could load more than ${Number.MAX_SAFE_INTEGER} objects`);
    const aliases = await t.request(doublingSpreads(150, 'service: _service { sdl }'));
    expectRefused(aliases, 'MAX_ALIASES_EXCEEDED');
    expect(aliases.errors![0].message).toContain(`found more than ${Number.MAX_SAFE_INTEGER}`);
    for (const response of [cost, aliases]) tally(NESTED_ATTACK, response);
  });

  describe('on a started server', () => {
    let server: Server | undefined;
    let url: string;
    beforeAll(async () => {
      server = createHttpServer(t.app, t.db);
      url = await listenOnLoopback(server);
    });
    afterAll(() => closeServer(server));

    it('answers /health and other requests while such documents are sent', async () => {
      const post = (query: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.merchant.testKey}` },
          body: JSON.stringify({ query }),
        });
      const attacks = [
        nestedSpreads(320, 3, '__typename'),
        nestedSpreads(240, 4, '__typename'),
        nestedSpreads(240, 4, 'customers(first: 1) { totalCount }'),
      ].map(post);
      const health = fetch(url.replace('/graphql', '/health'));
      const other = post('{ customers(first: 1) { totalCount } }');
      expect((await health).status).toBe(200);
      expect(await (await other).json()).toEqual({ data: { customers: { totalCount: 3 } } });
      expect(await Promise.all(attacks.map(async (attack) => (await attack).status))).toEqual([200, 200, 400]);
    });
  });
});

describe('the cost of what runs: variables as the resolvers get them, defaults included', () => {
  const DEFAULTED = 'query($n: Int = 100) { customers(first: $n) { edges { node { invoices(first: $n) { edges { node { id } } } } } } }';
  const DEFAULTED_ATTACK = 'Cost: page sizes and id lists given as variable defaults';

  it('refuses a page size that only a variable default makes large', async () => {
    // The connection, 100 edges and 100 customers, each with 1 + 100 + 100 invoice objects: 20,301.
    for (const variables of [undefined, {}]) {
      const response = await t.request(DEFAULTED, variables);
      expectRefused(response, 'COST_LIMIT_EXCEEDED');
      expect(response.errors![0].message).toContain('could load 20301 objects');
      tally(DEFAULTED_ATTACK, response);
    }
    // Sent, the variable overrides its default.
    expectAnswered(await t.request(DEFAULTED, { n: 5 }));
  });

  it('costs a page size given as null as the default page the resolvers then load', async () => {
    const response = await t.request(DEFAULTED, { n: null });
    expectAnswered(response);
    expect(response.data?.customers.edges).toHaveLength(3);
  });

  it('refuses a list of ids that only a variable default makes long', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `"cus_${String(i).padStart(24, '0')}"`).join(' ');
    const query = (first: number) =>
      `query($ids: [ID!] = [${ids}]) { nodes(ids: $ids) { ... on Customer { invoices(first: ${first}) { edges { node { id } } } } } }`;
    // 100 nodes, each with 1 + 2 × first invoice objects.
    const refused = await t.request(query(100));
    expectRefused(refused, 'COST_LIMIT_EXCEEDED');
    expect(refused.errors![0].message).toContain('could load 20200 objects');
    tally(DEFAULTED_ATTACK, refused);
    const answered = await t.request(query(10));
    expectAnswered(answered);
    expect(answered.data?.nodes).toHaveLength(100);
  });
});

describe('depth as the response has it', () => {
  /** customers → edges → node → (referrals → referredCustomer)…, each with the type it is selected on: `depth - 1` fields over an id. */
  const path = (depth: number): [field: string, parentType: string][] => [
    ['customers(first: 1)', 'Query'],
    ['edges', 'QueryCustomersConnection'],
    ['node', 'QueryCustomersConnectionEdge'],
    ...Array.from({ length: depth - 4 }, (_, i): [string, string] =>
      i % 2 === 0 ? ['referrals', 'Customer'] : ['referredCustomer', 'Referral'],
    ),
  ];

  const inline = (depth: number) => `{ ${path(depth).reduceRight((inner, [field]) => `${field} { ${inner} }`, 'id')} }`;
  /** The same fields, every field below the first in a named fragment of its own, each spreading the next. */
  const namedFragments = (depth: number) => {
    const [[root], ...fields] = path(depth);
    const fragments = fields.map(
      ([field, type], i) => `fragment L${i} on ${type} { ${field} { ${i + 1 < fields.length ? `...L${i + 1}` : 'id'} } }`,
    );
    return `{ ${root} { ...L0 } } ${fragments.join(' ')}`;
  };
  /** The same fields, every field below the first in an inline fragment on its type. */
  const inlineFragments = (depth: number) => {
    const [[root], ...fields] = path(depth);
    return `{ ${root} { ${fields.reduceRight((inner, [field, type]) => `... on ${type} { ${field} { ${inner} } }`, 'id')} } }`;
  };

  it('answers a depth-6 query the same inline, through nested named fragments and through inline fragments', async () => {
    const [inlined, ...fragmented] = await Promise.all(
      [inline(6), namedFragments(6), inlineFragments(6)].map((document) => t.request(document)),
    );
    expectAnswered(inlined);
    expect(inlined.data?.customers.edges).toHaveLength(1);
    for (const response of fragmented) {
      expectAnswered(response);
      expect(response.data).toEqual(inlined.data);
    }
  });

  it(`answers ${DEFAULT_LIMITS.maxDepth} levels through fragments, and refuses one more with the depth the response would have`, async () => {
    for (const build of [inline, namedFragments, inlineFragments]) {
      expectAnswered(await t.request(build(DEFAULT_LIMITS.maxDepth)));
      const refused = await t.request(build(DEFAULT_LIMITS.maxDepth + 1));
      expectRefused(refused, 'MAX_DEPTH_EXCEEDED');
      expect(refused.errors![0].message).toBe(
        `Query depth limit of ${DEFAULT_LIMITS.maxDepth} exceeded, found ${DEFAULT_LIMITS.maxDepth + 1}.`,
      );
    }
  });

  it('answers _entities selecting through two named fragments, as a gateway sends them', async () => {
    const customer = (await t.request('{ customers(first: 1) { edges { node { id } } } }')).data!.customers.edges[0].node.id;
    const response = await t.request(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Customer { ...CustomerInvoices } } }
       fragment CustomerInvoices on Customer { id invoices(first: 2) { ...InvoicePage } }
       fragment InvoicePage on CustomerInvoicesConnection { edges { node { id total { amount currency } } } }`,
      { representations: [{ __typename: 'Customer', id: customer }] },
    );
    expectAnswered(response);
    expect(response.data?._entities).toMatchObject([{ id: customer, invoices: { edges: expect.any(Array) } }]);
  });
});

describe('aliases and directives through fragments, at the limit', () => {
  it(`answers ${DEFAULT_LIMITS.maxAliases} aliases spread from fragments and refuses one more`, async () => {
    const aliases = (extra: string) =>
      `{ a: customers(first: 1) { ...Totals } b: customers(first: 1) { ...Totals } c: customers(first: 1) { ...Totals ${extra} } }
       fragment Totals on QueryCustomersConnection { t1: totalCount t2: totalCount t3: totalCount t4: totalCount }`;
    expectAnswered(await t.request(aliases('')));
    // An aliased __typename is free: no resolver answers it.
    expectAnswered(await t.request(aliases('tag: __typename')));
    const refused = await t.request(aliases('t5: totalCount'));
    expectRefused(refused, 'MAX_ALIASES_EXCEEDED');
    expect(refused.errors![0].message).toBe(
      `Aliases limit of ${DEFAULT_LIMITS.maxAliases} exceeded, found ${DEFAULT_LIMITS.maxAliases + 1}.`,
    );
  });

  it(`answers ${DEFAULT_LIMITS.maxDirectives} directives spread from fragments and refuses one more`, async () => {
    const directives = (extra: string) =>
      `{ customers(first: 1) { ...Marked ...Marked ...Marked ...Marked ${extra} } }
       fragment Marked on QueryCustomersConnection { totalCount @include(if: true) pageInfo @skip(if: false) { hasNextPage @include(if: true) } edges @include(if: true) { cursor @skip(if: false) } }`;
    expectAnswered(await t.request(directives('')));
    const refused = await t.request(directives('__typename @include(if: true)'));
    expectRefused(refused, 'MAX_DIRECTIVES_EXCEEDED');
    expect(refused.errors![0].message).toBe(
      `Directives limit of ${DEFAULT_LIMITS.maxDirectives} exceeded, found ${DEFAULT_LIMITS.maxDirectives + 1}.`,
    );
  });
});

afterAll(() => {
  for (const [attack, counts] of Object.entries(outcomes)) {
    const tries = Object.values(counts).reduce((a, b) => a + b, 0);
    const outcome = Object.entries(counts)
      .map(([code, n]) => (code === 'answered' ? `${n} answered` : `${n} × ${code}`))
      .join(', ');
    recordTrust({ attack, tries, outcome, rowsChanged: '0' });
  }
});
