import fc from 'fast-check';
import {
  type GraphQLField,
  type GraphQLObjectType,
  getNamedType,
  getNullableType,
  isEnumType,
  isInterfaceType,
  isListType,
  isObjectType,
  isScalarType,
  isUnionType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoData, insertDemoData } from '../src/demo/seed.ts';
import { graphqlTypeName, ID_PREFIXES, type IdType, newId } from '../src/domain/ids.ts';
import { schema } from '../src/schema/index.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';

// The compiled read (src/data/compiled-read) must answer exactly as the resolvers, which are the
// reference. Every query the suite sends through createTestApp's request() is also answered by
// the resolvers alone and compared (test/helpers.ts); this file adds the hard cases by hand and
// queries generated over the whole schema, both ways, errors included.

let t: TestApp;
let customerIds: string[] = [];
let nodeIds: string[] = [];
const deletedIds: string[] = [];

/** Whether the statements since `before` are the one statement that builds a response's JSON. */
const answeredAsJson = (before: number) => {
  const statements = t.statements.slice(before);
  return statements.length === 1 && statements[0].endsWith('AS body');
};

/** `query` answered by the app (compiled where it can be) and by the resolvers alone, compared. */
async function bothWays(query: string, variables: Record<string, unknown> = {}) {
  const before = t.statements.length;
  const compiled = await t.request(query, variables, { parity: false });
  const asJson = answeredAsJson(before);
  const resolved = await t.request(query, variables, { via: 'resolvers' });
  expect({ data: compiled.data, errors: compiled.errors }).toEqual({ data: resolved.data, errors: resolved.errors });
  return { compiled, resolved, asJson };
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
  // Names and emails missing (sorted last), shared creation instants (ties broken by id), and a
  // name that JSON must escape.
  const at = new Date('2026-03-01T00:00:00.000Z');
  await t.prisma.customer.createMany({
    data: [null, null, 'Zoë "Q" \\ O\'Brien', 'tab\there', 'per%cent_under'].map((name, i) => ({
      id: newId('Customer'),
      accountId: t.merchant.accountId,
      env: 'TEST' as const,
      name,
      email: i % 2 ? null : `tie${i}@example.com`,
      metadata: { source: 'import', tier: i % 2 ? 'gold' : 'silver', '10': 'ten', '9': 'nine' },
      createdAt: at,
      updatedAt: at,
    })),
  });
  customerIds = (await t.prisma.customer.findMany({ where: { accountId: t.merchant.accountId }, select: { id: true } })).map((c) => c.id);
  const children = await Promise.all([
    t.prisma.invoice.findMany({ where: { customerId: { in: customerIds } }, select: { id: true }, take: 5 }),
    t.prisma.subscription.findMany({ where: { customerId: { in: customerIds } }, select: { id: true }, take: 5 }),
    t.prisma.entity.findMany({ where: { customerId: { in: customerIds } }, select: { id: true }, take: 5 }),
    t.prisma.referral.findMany({ where: { customerId: { in: customerIds } }, select: { id: true }, take: 5 }),
    t.prisma.event.findMany({ where: { customerId: { in: customerIds } }, select: { id: true }, take: 5 }),
    t.prisma.customer.findMany({ where: { accountId: t.otherMerchant.accountId }, select: { id: true }, take: 2 }),
  ]);
  nodeIds = [...customerIds.slice(0, 5), ...children.flat().map((row) => row.id), 'cus_doesnotexist', 'nonsense'];
});
afterAll(() => t.close());

/** Every customer of the merchant, live and deleted, through the list, each page answered both ways. */
async function everyCustomerByList(selection: string, declared = '', variables: Record<string, unknown> = {}, fragments = '') {
  const nodes: Record<string, any>[] = [];
  let after: string | null = null;
  do {
    const { compiled }: { compiled: GraphQLResponse } = await bothWays(
      `query($after: String ${declared}) { customers(first: 20, after: $after, filter: { includeDeleted: true }) {
        pageInfo { hasNextPage endCursor } edges { node { id ${selection} } } } } ${fragments}`,
      { ...variables, after },
    );
    expect(compiled.errors).toBeUndefined();
    nodes.push(...compiled.data!.customers.edges.map((edge: { node: Record<string, unknown> }) => edge.node));
    after = compiled.data!.customers.pageInfo.hasNextPage ? compiled.data!.customers.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

describe('the compiled read answers as the resolvers do', () => {
  it('every field of every customer, live and deleted, by list and by id, in one statement', async () => {
    const selection = EVERY_FIELD.replace('referredCustomer { id email }', 'referredCustomer { id email deleted stats { invoiceCount } }');
    const listed = await everyCustomerByList(selection);
    expect(
      listed
        .filter((customer) => customer.deleted)
        .map((customer) => customer.id)
        .sort(),
    ).toEqual([...deletedIds].sort());
    expect(listed.map((customer) => customer.paymentMethod?.card)).toContainEqual({ brand: 'unknown', last4: '', expMonth: 0, expYear: 0 });
    expect(listed.map((customer) => customer.stats.totalSpent)).toContainEqual({ minorUnits: '1999', amount: '19.99', currency: 'EUR' });
    expect(listed.map((customer) => customer.stats.totalSpent)).toContainEqual(null);
    for (const expected of listed) {
      const { compiled, asJson } = await bothWays(`query($id: ID!) { customer(id: $id) { ${selection} } }`, { id: expected.id });
      expect(asJson).toBe(true);
      expect({ id: expected.id, ...compiled.data!.customer }).toEqual(expected);
    }
  });

  it('pages forward and backward, and follows aliases, fragments, @skip/@include and __typename', async () => {
    const sample = (await everyCustomerByList('invoices(first: 2) { edges { cursor } }')).find((c) => c.invoices.edges.length === 2)!;
    const declared = ', $cursor: String, $two: Int = 2, $yes: Boolean!, $no: Boolean!';
    const selection = `
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
      stats { __typename total: totalSpent { __typename amount } }`;
    const fragments = `fragment Money on Customer { accountBalance { amount currency } stats { byCurrency: totalSpentByCurrency { amount } } }
      fragment Seat on Entity { id balances { __typename featureId } subscriptions @include(if: $no) { id } }`;
    const variables = { cursor: sample.invoices.edges[1].cursor, yes: true, no: false };
    const withoutCursors = selection
      .split('\n')
      .filter((line) => !/^\s*(next|back):/.test(line))
      .join('\n');
    const { cursor: _, ...listVariables } = variables;
    const listed = await everyCustomerByList(
      withoutCursors,
      declared.replace(', $cursor: String, $two: Int = 2', ''),
      listVariables,
      fragments,
    );
    expect(listed.some((customer) => customer.last.edges.length > 0)).toBe(true);
    const byId = (id: string, chosen: string) =>
      bothWays(`query($id: ID! ${declared}) { customer(id: $id) { ${chosen} } } ${fragments}`, { ...variables, id });
    for (const expected of listed.slice(0, 10)) {
      const { asJson } = await bothWays(
        `query($id: ID! ${declared.replace(', $cursor: String, $two: Int = 2', '')}) { customer(id: $id) { ${withoutCursors} } } ${fragments}`,
        { ...listVariables, id: expected.id },
      );
      expect(asJson).toBe(true);
    }
    // After and before a cursor of the customer's own list: the resolvers answer, they check whose list it is.
    const { compiled } = await byId(sample.id, selection);
    expect(compiled.data!.customer.back.edges.length).toBe(1);
    expect(compiled.data!.customer.next.edges.length).toBeGreaterThan(0);
    const other = listed.find((customer) => customer.id !== sample.id)!;
    const { compiled: refused } = await byId(other.id, selection);
    expect(refused.data).toEqual({ customer: null });
    expect(refused.errors?.map((error) => error.message)).toContain('Argument "after": is not a cursor of this list');
  });

  describe('the customers list', () => {
    const SELECTION = `__typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { __typename cursor node { id name email createdAt updatedAt deleted metadata subscriptions { id } invoices(first: 2) { edges { cursor } } } }`;
    const DECLARED = '$first: Int, $after: String, $last: Int, $before: String, $filter: CustomerFilter, $orderBy: CustomerOrder';
    const ARGUMENTS = 'first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy';
    const LIST = `query(${DECLARED}) { customers(${ARGUMENTS}) { ${SELECTION} } }`;

    /** Every id of the list in order, page by page, each page answered both ways and compared. */
    async function pageThrough(variables: Record<string, unknown>, size: number, backward: boolean) {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const { compiled, asJson } = await bothWays(
          LIST,
          backward ? { ...variables, last: size, before: cursor } : { ...variables, first: size, after: cursor },
        );
        expect(asJson).toBe(true);
        expect(compiled.errors).toBeUndefined();
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
      ['by email descending', { orderBy: { field: 'EMAIL', direction: 'DESC' } }],
      ['by updatedAt, oldest first', { orderBy: { field: 'UPDATED_AT', direction: 'ASC' } }],
      ['with deleted customers', { filter: { includeDeleted: true } }],
      ['filtered by metadata', { filter: { metadata: [{ key: 'source', value: 'import' }] } }],
      ['filtered by a creation range', { filter: { createdAt: { gte: '2020-01-01T00:00:00.000Z', lt: '2026-03-01T00:00:00.001Z' } } }],
      ['searched', { filter: { search: 'E' }, orderBy: { field: 'NAME', direction: 'DESC' } }],
    ])('pages %s both ways, cursors and counts included', async (_, variables) => {
      const forward = await pageThrough(variables, 3, false);
      expect(forward.length).toBeGreaterThan(3);
      expect(await pageThrough(variables, 2, true)).toEqual(forward);
    });

    it('answers an empty page, the last page without a cursor, an exact email and literal % and _', async () => {
      for (const variables of [
        { first: 0 },
        { last: 3 },
        { last: 0 },
        { filter: { email: 'TIE0@example.com' } },
        { filter: { search: 'nobody has this' } },
        { filter: { search: '%' } },
        { filter: { search: 'cent_u' } },
        { filter: { search: '_' } },
      ]) {
        const { asJson } = await bothWays(LIST, variables);
        expect(asJson).toBe(true);
      }
      const { compiled } = await bothWays(LIST, { filter: { search: '%cent_' } });
      expect(compiled.data!.customers.edges.map((edge: { node: { name: string } }) => edge.node.name)).toEqual(['per%cent_under']);
    });

    it('starts a page after a cursor that names no row of this list as Prisma does', async () => {
      const otherTenant = (await t.prisma.customer.findFirst({ where: { accountId: t.otherMerchant.accountId } }))!.id;
      const deleted = Buffer.from(`GPC:S:${deletedIds[0]}`).toString('base64');
      for (const id of [otherTenant, deletedIds[0], 'cus_doesnotexist']) {
        const cursor = Buffer.from(`GPC:S:${id}`).toString('base64');
        await bothWays(LIST, { first: 3, after: cursor });
        await bothWays(LIST, { last: 3, before: cursor });
      }
      const { compiled } = await bothWays(LIST, { first: 3, after: deleted, filter: { includeDeleted: true } });
      expect(compiled.data!.customers.edges.length).toBeGreaterThan(0);
    });

    it('counts a list, a filtered list and a customer’s invoices, empty or not', async () => {
      const query = `query($filter: CustomerFilter) { customers(first: 2, filter: $filter) { totalCount edges { node { invoices { totalCount } } } } }`;
      for (const filter of [
        {},
        { includeDeleted: true },
        { search: 'nobody has this' },
        { metadata: [{ key: 'source', value: 'import' }] },
      ]) {
        const { asJson } = await bothWays(query, { filter });
        expect(asJson).toBe(true);
      }
      const { compiled } = await bothWays('{ customers(first: 1) { totalCount } }');
      expect(compiled.data!.customers.totalCount).toBe(customerIds.length - deletedIds.length);
    });

    it('leaves arguments the resolvers refuse to them, with the same errors', async () => {
      const { compiled } = await bothWays(LIST, { first: 5, orderBy: { field: 'NAME', direction: 'ASC' } });
      for (const variables of [
        { first: 101 },
        { last: -1 },
        { first: 1, last: 1 },
        { first: 5, after: 'not-a-cursor' },
        { first: 5, after: Buffer.from('GPC:S:inv_123').toString('base64') },
        { first: 5, after: compiled.data!.customers.pageInfo.endCursor, before: compiled.data!.customers.pageInfo.endCursor },
        { filter: { createdAt: { gt: '0000-01-01T00:00:00.000Z' } } },
      ]) {
        const before = t.statements.length;
        const { compiled: refused } = await bothWays(`query(${DECLARED}) { customers(${ARGUMENTS}) { totalCount } }`, variables);
        expect(answeredAsJson(before)).toBe(false);
        expect(refused.errors?.length).toBeGreaterThan(0);
      }
    });
  });

  it('a field added the idiomatic way (invoiceSettings: a column and a field) is compiled without touching the compiler', async () => {
    const [id, unset] = customerIds;
    const settings = { footer: 'Thank you', customFields: [{ name: 'PO', value: '42' }], defaultPaymentMethodId: 'pm_x' };
    await t.prisma.customer.update({ where: { id }, data: { invoiceSettings: settings } });
    const query = 'query($id: ID!) { customer(id: $id) { invoiceSettings { footer customFields { name value } defaultPaymentMethodId } } }';
    const { compiled, asJson } = await bothWays(query, { id });
    expect(asJson).toBe(true);
    expect(compiled.data!.customer.invoiceSettings).toEqual(settings);
    expect((await bothWays(query, { id: unset })).compiled.data!.customer.invoiceSettings).toBeNull();
  });

  it("a mutation's payload selected past its columns is read as a query of it is, in one statement after the write", async () => {
    const id = customerIds.find((customerId) => !deletedIds.includes(customerId))!;
    const mutation = `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { ${EVERY_FIELD} } userErrors { code } } }`;
    const before = t.statements.length;
    const written = await t.request(mutation, { input: { id, name: 'Renamed by the parity test' } });
    expect(answeredAsJson(t.statements.length - 1)).toBe(true);
    expect(t.statements.slice(before, -1).some((statement) => statement.endsWith('AS body'))).toBe(false);
    const read = await t.request(`query($id: ID!) { customer(id: $id) { ${EVERY_FIELD} } }`, { id }, { via: 'resolvers' });
    expect(written.errors).toBeUndefined();
    expect(written.data!.updateCustomer.customer).toEqual(read.data!.customer);
    expect(read.data!.customer.name).toBe('Renamed by the parity test');
  });

  it("node, nodes and _entities of every type, another tenant's and unknown ids included", async () => {
    const fragments = `id __typename ... on Customer { name stats { invoiceCount } } ... on Invoice { number total { amount } }
      ... on PlanSubscription { planId } ... on Entity { externalId balances { featureId } } ... on Event { type }`;
    for (const id of nodeIds) {
      const { asJson } = await bothWays(`query($id: ID!) { node(id: $id) { ${fragments} } }`, { id });
      expect(asJson).toBe(true);
    }
    const { asJson } = await bothWays(`query($ids: [ID!]!) { nodes(ids: $ids) { ${fragments} } }`, { ids: nodeIds });
    expect(asJson).toBe(true);
    await bothWays(`{ nodes(ids: ${JSON.stringify(nodeIds)}) { id } }`);
    const representations = nodeIds.slice(0, 8).map((id) => ({ __typename: id.startsWith('cus_') ? 'Customer' : 'Invoice', id }));
    const entities = await bothWays(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Customer { id email } ... on Invoice { id } } }`,
      { representations },
    );
    expect(entities.asJson).toBe(true);
  });
});

/** A random selection of `type`'s fields, nested to `depth`, with arguments as a client would send them. */
function selectionArbitrary(type: GraphQLObjectType, depth: number): fc.Arbitrary<string> {
  const fields = Object.values(type.getFields()).filter((field) => !field.name.startsWith('_'));
  return fc
    .subarray(fields, { minLength: 1, maxLength: Math.min(fields.length, 8) })
    .chain((chosen) => fc.tuple(...chosen.map((field) => fieldArbitrary(field, depth))))
    .map((parts) => parts.filter(Boolean).join(' '))
    .map((selection) => selection || '__typename');
}

function argumentsArbitrary(field: GraphQLField<unknown, unknown>): fc.Arbitrary<string> {
  const parts: fc.Arbitrary<string>[] = [];
  for (const arg of field.args) {
    if (arg.name === 'first' || arg.name === 'last')
      parts.push(
        fc.option(
          fc.integer({ min: 0, max: 4 }).map((n) => `${arg.name}: ${n}`),
          { nil: '' },
        ),
      );
    if (arg.name === 'featureId') parts.push(fc.constantFrom('featureId: "api_calls"', 'featureId: "seats"', 'featureId: "none"'));
  }
  if (!parts.length) return fc.constant('');
  return fc.tuple(...parts).map((values) => {
    const given = values.filter(Boolean);
    // first and last together are refused: keep one, so that most generated queries are answered.
    const paging = given.filter((v) => v.startsWith('first') || v.startsWith('last')).slice(0, 1);
    const rest = given.filter((v) => !v.startsWith('first') && !v.startsWith('last'));
    const all = [...paging, ...rest];
    return all.length ? `(${all.join(', ')})` : '';
  });
}

function fieldArbitrary(field: GraphQLField<unknown, unknown>, depth: number): fc.Arbitrary<string> {
  const named = getNamedType(field.type);
  if (isScalarType(named) || isEnumType(named)) {
    return fc.option(fc.constantFrom('', 'x1: ', 'x2: '), { nil: '' }).map((alias) => `${alias}${field.name}`);
  }
  if (depth <= 0 || isUnionType(named) || isInterfaceType(named) || !isObjectType(named)) return fc.constant('');
  const isList = isListType(getNullableType(field.type));
  return fc
    .tuple(argumentsArbitrary(field), selectionArbitrary(named, isList ? depth - 2 : depth - 1))
    .map(([args, selection]) => `${field.name}${args} { ${selection} }`);
}

describe('generated queries over the whole schema', () => {
  const customerType = schema.getType('Customer') as GraphQLObjectType;

  it('customer(id) with a random selection answers as the resolvers do', async () => {
    await fc.assert(
      fc.asyncProperty(selectionArbitrary(customerType, 4), fc.integer({ min: 0, max: 1000 }), async (selection, pick) => {
        const id = customerIds[pick % customerIds.length];
        await bothWays(`query($id: ID!) { customer(id: $id) { ${selection} } }`, { id });
      }),
      { numRuns: 60 },
    );
  });

  it('customers with a random selection, filter and order answers as the resolvers do', async () => {
    const filter = fc.constantFrom(
      '',
      'filter: { includeDeleted: true }',
      'filter: { search: "a" }',
      'filter: { metadata: [{ key: "source", value: "import" }] }',
    );
    const order = fc.constantFrom(
      '',
      'orderBy: { field: NAME, direction: ASC }',
      'orderBy: { field: EMAIL, direction: DESC }',
      'orderBy: { field: UPDATED_AT, direction: ASC }',
    );
    const size = fc.constantFrom('first: 3', 'last: 2', 'first: 0');
    await fc.assert(
      fc.asyncProperty(selectionArbitrary(customerType, 3), filter, order, size, async (selection, f, o, s) => {
        const args = [s, f, o].filter(Boolean).join(', ');
        await bothWays(
          `{ customers(${args}) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ${selection} } } } }`,
        );
      }),
      { numRuns: 40 },
    );
  });

  it('node(id) of every type with a random selection answers as the resolvers do', async () => {
    const typed = nodeIds.filter((id) => id.includes('_'));
    const byPrefix = fc.constantFrom(...typed).chain((id) => {
      const type = schema
        .getPossibleTypes(schema.getType('Node') as never)
        .find((candidate) => (candidate.getFields().id && id.startsWith(prefixOf(candidate.name))) as boolean);
      const fragment: fc.Arbitrary<string> = type
        ? selectionArbitrary(type, 3).map((selection) => `... on ${type.name} { ${selection} }`)
        : fc.constant('id');
      return fragment.map((selection): [string, string] => [id, selection]);
    });
    await fc.assert(
      fc.asyncProperty(byPrefix, async ([id, selection]) => {
        await bothWays(`query($id: ID!) { node(id: $id) { __typename ${selection} } }`, { id });
      }),
      { numRuns: 40 },
    );
  });
});

/** The id prefix of a GraphQL type, as src/domain/ids.ts names them. */
function prefixOf(typeName: string): string {
  const type = (Object.keys(ID_PREFIXES) as IdType[]).find((candidate) => graphqlTypeName(candidate) === typeName);
  return type ? `${ID_PREFIXES[type]}_` : '?';
}
