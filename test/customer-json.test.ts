import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoData, insertDemoData } from '../src/demo/seed.ts';
import { newId } from '../src/domain/ids.ts';
import { createTestApp, type GraphQLResponse, type TestApp, VIA_RESOLVERS } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';

// customer(id:) and the customers list are answered by JSON that PostgreSQL builds
// (src/data/customer-json.ts). Each test reads the same customers that way and through the resolvers
// (a root field the compiler does not know, VIA_RESOLVERS, sends a whole query to them) and
// expects the same answer.

let t: TestApp;
const deletedIds: string[] = [];

interface Document {
  selection: string;
  variables?: Record<string, unknown>;
  /** Variable definitions beyond $id and $after. */
  declared?: string;
  fragments?: string;
}

/** Whether the statements since `before` are the one statement that builds a response's JSON. */
const answeredAsJson = (before: number) => {
  const statements = t.statements.slice(before);
  return statements.length === 1 && statements[0].endsWith('AS body');
};

/** The answer of customer(id) and whether it came from the one statement that builds its JSON. */
async function byId(id: string, { selection, variables = {}, declared = '', fragments = '' }: Document) {
  const before = t.statements.length;
  const res = await t.request(`query($id: ID! ${declared}) { customer(id: $id) { ${selection} } } ${fragments}`, { ...variables, id });
  return { res, asJson: answeredAsJson(before) };
}

/** Every customer of the merchant, live and deleted, each as the resolvers answer `selection`. */
async function everyCustomerByList({ selection, variables = {}, declared = '', fragments = '' }: Document) {
  const nodes: Record<string, any>[] = [];
  let after: string | null = null;
  do {
    const res: GraphQLResponse = await t.request(
      `query($after: String ${declared}) { customers(first: 20, after: $after, filter: { includeDeleted: true }) {
        pageInfo { hasNextPage endCursor } edges { node { id ${selection} } } } ${VIA_RESOLVERS} } ${fragments}`,
      { ...variables, after },
    );
    expect(res.errors).toBeUndefined();
    nodes.push(...res.data!.customers.edges.map((edge: { node: Record<string, unknown> }) => edge.node));
    after = res.data!.customers.pageInfo.hasNextPage ? res.data!.customers.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

beforeAll(async () => {
  t = await createTestApp();
  await insertDemoData(t.prisma, demoData(t.merchant.accountId, 'TEST', 40, 11));
  await insertDemoData(t.prisma, demoData(t.otherMerchant.accountId, 'TEST', 5, 12));
  const customers = await t.prisma.customer.findMany({ where: { accountId: t.merchant.accountId }, orderBy: { id: 'asc' }, take: 3 });
  for (const { id } of customers) {
    const res = await t.request('mutation($id: ID!) { deleteCustomer(input: { id: $id }) { deletedCustomerId } }', { id });
    deletedIds.push(res.data!.deleteCustomer.deletedCustomerId);
  }
  // Two default payment methods, the newer a card with nothing known of it: the newer answers, with placeholders.
  const [withCards] = await t.prisma.customer.findMany({
    where: { accountId: t.merchant.accountId, deletedAt: null },
    orderBy: { id: 'desc' },
    take: 1,
  });
  await t.prisma.paymentMethod.deleteMany({ where: { customerId: withCards.id } });
  await t.prisma.paymentMethod.createMany({
    data: [
      {
        id: newId('PaymentMethod'),
        customerId: withCards.id,
        type: 'CARD',
        isDefault: true,
        cardBrand: 'visa',
        cardLast4: '4242',
        createdAt: new Date('2026-01-01T00:00:00Z'),
      },
      { id: newId('PaymentMethod'), customerId: withCards.id, type: 'CARD', isDefault: true, createdAt: new Date('2026-02-01T00:00:00Z') },
    ],
  });
  // No currency of its own: totalSpent is in the only currency charged, or null with two.
  for (const currencies of [['EUR'], ['EUR', 'JPY']]) {
    const created = await t.request('mutation { createCustomer(input: { name: "No currency" }) { customer { id } } }');
    const customerId = created.data!.createCustomer.customer.id;
    await t.prisma.charge.createMany({
      data: currencies.map((currency, i) => ({
        id: newId('Charge'),
        customerId,
        amount: 1999n + BigInt(i),
        currency,
        status: 'SUCCEEDED' as const,
      })),
    });
  }
});
afterAll(() => t.close());

describe('customer(id) answered by JSON built in PostgreSQL', () => {
  it('answers every field of every customer, live and deleted, as the resolvers do', async () => {
    const selection = EVERY_FIELD.replace('referredCustomer { id email }', 'referredCustomer { id email deleted stats { invoiceCount } }');
    const listed = await everyCustomerByList({ selection });
    expect(
      listed
        .filter((customer) => customer.deleted)
        .map((customer) => customer.id)
        .sort(),
    ).toEqual([...deletedIds].sort());
    expect(listed.map((customer) => customer.paymentMethod?.card)).toContainEqual({ brand: 'unknown', last4: '', expMonth: 0, expYear: 0 });
    expect(listed.map((customer) => customer.stats.totalSpent)).toContainEqual({ minorUnits: '1999', amount: '19.99', currency: 'EUR' });
    for (const expected of listed) {
      const { res, asJson } = await byId(expected.id, { selection });
      expect(asJson).toBe(true);
      expect(res.errors).toBeUndefined();
      expect({ id: expected.id, ...res.data!.customer }).toEqual(expected);
    }
  });

  it('pages forward and backward, and follows aliases, fragments, @skip/@include and __typename as the resolvers do', async () => {
    const sample = (await everyCustomerByList({ selection: 'invoices(first: 2) { edges { cursor } }' })).find(
      (c) => c.invoices.edges.length === 2,
    )!;
    const document: Document = {
      declared: ', $cursor: String, $two: Int = 2, $yes: Boolean!, $no: Boolean!',
      variables: { cursor: sample.invoices.edges[1].cursor, yes: true, no: false },
      selection: `
        __typename ... on Node { nodeId: id }
        ...Money
        newest: invoices(first: 1) { __typename totalCount pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor } edges { __typename cursor node { __typename id } } }
        next: invoices(first: $two, after: $cursor) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id createdAt } } }
        back: invoices(last: $two, before: $cursor) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } }
        last: invoices(last: 3) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id } } }
        none: charges(first: 0) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id } } }
        events(first: 1) { edges { node { type } } }
        skipped: email @skip(if: $yes) kept: email @include(if: $yes) dropped: name @include(if: $no)
        entities { __typename ...Seat }
        stats { __typename total: totalSpent { __typename amount } }`,
      fragments: `fragment Money on Customer { accountBalance { amount currency } stats { byCurrency: totalSpentByCurrency { amount } } }
        fragment Seat on Entity { id balances { __typename featureId } subscriptions @include(if: $no) { id } }`,
    };
    const listed = await everyCustomerByList(document);
    expect(listed.some((customer) => customer.back.edges.length > 0)).toBe(true);
    for (const expected of listed) {
      const { res, asJson } = await byId(expected.id, document);
      expect(asJson).toBe(true);
      expect(res.errors).toBeUndefined();
      expect({ id: expected.id, ...res.data!.customer }).toEqual(expected);
    }
  });
});

describe('customers list answered by JSON built in PostgreSQL', () => {
  const SELECTION = `__typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { id name email createdAt updatedAt deleted metadata subscriptions { id } invoices(first: 2) { edges { cursor } } } }`;
  const DECLARED = '$first: Int, $after: String, $last: Int, $before: String, $filter: CustomerFilter, $orderBy: CustomerOrder';
  const ARGUMENTS = 'first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy';

  beforeAll(async () => {
    // Names and emails missing (sorted last), shared creation instants (ties broken by id), and a
    // name that JSON must escape in a cursor.
    const at = new Date('2026-03-01T00:00:00.000Z');
    await t.prisma.customer.createMany({
      data: [null, null, 'Zoë "Q" \\ O\'Brien', 'tab\there'].map((name, i) => ({
        id: newId('Customer'),
        accountId: t.merchant.accountId,
        env: 'TEST' as const,
        name,
        email: i % 2 ? null : `tie${i}@example.com`,
        metadata: { source: 'import', tier: i % 2 ? 'gold' : 'silver' },
        createdAt: at,
        updatedAt: at,
      })),
    });
  });

  /** The same page read compiled and through the resolvers. */
  async function bothWays(variables: Record<string, unknown>) {
    const query = (extra: string) => `query(${DECLARED}) { customers(${ARGUMENTS}) { ${SELECTION} } ${extra} }`;
    const before = t.statements.length;
    const compiled = await t.request(query(''), variables);
    const asJson = answeredAsJson(before);
    const resolved = await t.request(query(VIA_RESOLVERS), variables);
    return { compiled, resolved, asJson };
  }

  /** Every id of the list in order, page by page, each page answered both ways and compared. */
  async function pageThroughBothWays(variables: Record<string, unknown>, size: number, backward: boolean) {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const { compiled, resolved, asJson } = await bothWays(
        backward ? { ...variables, last: size, before: cursor } : { ...variables, first: size, after: cursor },
      );
      expect(asJson).toBe(true);
      expect(compiled.errors).toBeUndefined();
      expect(compiled.data!.customers).toEqual(resolved.data!.customers);
      const page = compiled.data!.customers;
      const pageIds = page.edges.map((edge: { node: { id: string } }) => edge.node.id);
      if (backward) ids.unshift(...pageIds);
      else ids.push(...pageIds);
      if (!(backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage)) return ids;
      cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
    }
    throw new Error('paging did not end');
  }

  it.each([
    ['newest first', {}],
    ['by name, missing names last', { orderBy: { field: 'NAME', direction: 'ASC' } }],
    ['by name descending', { orderBy: { field: 'NAME', direction: 'DESC' } }],
    ['by email', { orderBy: { field: 'EMAIL', direction: 'ASC' } }],
    ['by updatedAt, oldest first', { orderBy: { field: 'UPDATED_AT', direction: 'ASC' } }],
    ['with deleted customers', { filter: { includeDeleted: true } }],
    ['filtered by metadata', { filter: { metadata: [{ key: 'source', value: 'import' }] } }],
    ['filtered by a creation range', { filter: { createdAt: { gte: '2020-01-01T00:00:00.000Z', lt: '2026-03-01T00:00:00.001Z' } } }],
    ['searched', { filter: { search: 'E' }, orderBy: { field: 'NAME', direction: 'DESC' } }],
  ])('pages %s both ways as the resolvers do, cursors and counts included', async (_, variables) => {
    const forward = await pageThroughBothWays(variables, 3, false);
    expect(forward.length).toBeGreaterThan(3);
    expect(await pageThroughBothWays(variables, 2, true)).toEqual(forward);
  });

  it('answers an empty page, the last page without a cursor, and an exact email as the resolvers do', async () => {
    for (const variables of [
      { first: 0 },
      { last: 3 },
      { filter: { email: 'tie0@example.com' } },
      { filter: { search: 'nobody has this' } },
    ]) {
      const { compiled, resolved, asJson } = await bothWays(variables);
      expect(asJson).toBe(true);
      expect(compiled.errors).toBeUndefined();
      expect(compiled.data!.customers).toEqual(resolved.data!.customers);
    }
  });

  it("answers totalCount alone, of a list or a customer's invoices, empty or not, as the resolvers do", async () => {
    const query = (extra: string) =>
      `query($filter: CustomerFilter) { customers(first: 2, filter: $filter) { totalCount edges { node { invoices { totalCount } } } } ${extra} }`;
    for (const filter of [{}, { search: 'nobody has this' }, { metadata: [{ key: 'source', value: 'import' }] }]) {
      const before = t.statements.length;
      const compiled = await t.request(query(''), { filter });
      expect(answeredAsJson(before)).toBe(true);
      const resolved = await t.request(query(VIA_RESOLVERS), { filter });
      expect(compiled.errors).toBeUndefined();
      expect(compiled.data!.customers).toEqual(resolved.data!.customers);
    }
    const lonely = await t.request(`{ customers(first: 1, filter: { search: "nobody has this" }) { totalCount } }`);
    expect(lonely.data).toEqual({ customers: { totalCount: 0 } });
    const [withoutInvoices] = await t.prisma.customer.findMany({
      where: { accountId: t.merchant.accountId, metadata: { path: ['source'], equals: 'import' } },
    });
    const { res, asJson } = await byId(withoutInvoices.id, { selection: 'invoices { totalCount } charges(first: 1) { totalCount }' });
    expect(asJson).toBe(true);
    expect(res.data!.customer).toEqual({ invoices: { totalCount: 0 }, charges: { totalCount: 0 } });
  });

  it('leaves arguments the resolvers refuse to them, with their errors', async () => {
    const { compiled } = await bothWays({ first: 5, orderBy: { field: 'NAME', direction: 'ASC' } });
    for (const [variables, message] of [
      [{ first: 101 }, 'Argument "first"'],
      [{ first: 5, after: 'not-a-cursor' }, 'not a cursor returned by this list'],
      [{ first: 5, after: compiled.data!.customers.pageInfo.endCursor }, 'was returned for a different list'],
    ] as const) {
      const before = t.statements.length;
      const res = await t.request(`query(${DECLARED}) { customers(${ARGUMENTS}) { totalCount } }`, variables);
      expect(answeredAsJson(before)).toBe(false);
      expect(res.errors![0].message).toContain(message);
    }
  });
});
