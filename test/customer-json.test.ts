import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/ids.ts';
import { demoData, insertDemoData } from '../src/seed.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';

// customer(id:) is answered by JSON that PostgreSQL builds (src/customer-json.ts); the customers
// list by the resolvers. Each test reads the same customers both ways and expects the same answer.

let t: TestApp;
const deletedIds: string[] = [];

interface Document {
  selection: string;
  variables?: Record<string, unknown>;
  /** Variable definitions beyond $id and $after. */
  declared?: string;
  fragments?: string;
}

/** The answer of customer(id) and whether it came from the one statement that builds its JSON. */
async function byId(id: string, { selection, variables = {}, declared = '', fragments = '' }: Document) {
  const before = t.statements.length;
  const res = await t.request(`query($id: ID! ${declared}) { customer(id: $id) { ${selection} } } ${fragments}`, { ...variables, id });
  const statements = t.statements.slice(before);
  return { res, asJson: statements.length === 1 && statements[0].endsWith('AS body') };
}

/** Every customer of the merchant, live and deleted, each as the resolvers answer `selection`. */
async function everyCustomerByList({ selection, variables = {}, declared = '', fragments = '' }: Document) {
  const nodes: Record<string, any>[] = [];
  let after: string | null = null;
  do {
    const res: GraphQLResponse = await t.request(
      `query($after: String ${declared}) { customers(first: 20, after: $after, filter: { includeDeleted: true }) {
        pageInfo { hasNextPage endCursor } edges { node { id ${selection} } } } } ${fragments}`,
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
  const [withCards] = await t.prisma.customer.findMany({ where: { accountId: t.merchant.accountId, deletedAt: null }, orderBy: { id: 'desc' }, take: 1 });
  await t.prisma.paymentMethod.deleteMany({ where: { customerId: withCards.id } });
  await t.prisma.paymentMethod.createMany({
    data: [
      { id: newId('PaymentMethod'), customerId: withCards.id, type: 'CARD', isDefault: true, cardBrand: 'visa', cardLast4: '4242', createdAt: new Date('2026-01-01T00:00:00Z') },
      { id: newId('PaymentMethod'), customerId: withCards.id, type: 'CARD', isDefault: true, createdAt: new Date('2026-02-01T00:00:00Z') },
    ],
  });
  // No currency of its own: totalSpent is in the only currency charged, or null with two.
  for (const currencies of [['EUR'], ['EUR', 'JPY']]) {
    const created = await t.request('mutation { createCustomer(input: { name: "No currency" }) { customer { id } } }');
    const customerId = created.data!.createCustomer.customer.id;
    await t.prisma.charge.createMany({
      data: currencies.map((currency, i) => ({ id: newId('Charge'), customerId, amount: 1999n + BigInt(i), currency, status: 'SUCCEEDED' as const })),
    });
  }
});
afterAll(() => t.close());

describe('customer(id) answered by JSON built in PostgreSQL', () => {
  it('answers every field of every customer, live and deleted, as the resolvers do', async () => {
    const selection = EVERY_FIELD.replace('referredCustomer { id email }', 'referredCustomer { id email deleted stats { invoiceCount } }');
    const listed = await everyCustomerByList({ selection });
    expect(listed.filter((customer) => customer.deleted).map((customer) => customer.id).sort()).toEqual([...deletedIds].sort());
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
    const sample = (await everyCustomerByList({ selection: 'invoices(first: 2) { edges { cursor } }' })).find((c) => c.invoices.edges.length === 2)!;
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
