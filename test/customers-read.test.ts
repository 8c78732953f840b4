import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoaders, type Loaders } from '../src/data/loaders.ts';
import { demoData, insertDemoData } from '../src/demo/seed.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';

let t: TestApp;
let data: ReturnType<typeof demoData>;

beforeAll(async () => {
  t = await createTestApp();
  data = demoData(t.merchant.accountId, 'TEST', 100, 7);
  await insertDemoData(t.prisma, data);
  await insertDemoData(t.prisma, demoData(t.otherMerchant.accountId, 'TEST', 5, 8));
});
afterAll(() => t.close());

describe('reading a customer', () => {
  it('answers every field of a seeded customer, matching the database', async () => {
    const seeded = data.customers[42];
    const res = await t.request(`query($id: ID!) { customer(id: $id) { ${EVERY_FIELD} } }`, { id: seeded.id });
    expect(res.errors).toBeUndefined();
    const c = res.data!.customer;
    expect(c).toMatchObject({
      id: seeded.id,
      name: seeded.name,
      email: seeded.email,
      currency: seeded.currency,
      deleted: false,
      version: 1,
    });
    const own = <T extends { customerId: string; entityId?: string | null }>(rows: T[]) =>
      rows.filter((r) => r.customerId === seeded.id && !r.entityId);
    expect(c.subscriptions.map((s: any) => s.id).sort()).toEqual(
      own(data.subscriptions)
        .map((s) => s.id)
        .sort(),
    );
    expect(c.balances.map((b: any) => b.featureId)).toEqual(
      own(data.balances)
        .map((b) => b.featureId)
        .sort(),
    );
    for (const balance of c.balances) expect(BigInt(balance.remaining)).toBe(BigInt(balance.granted) - BigInt(balance.usage));
    const invoices = data.invoices.filter((i) => i.customerId === seeded.id).sort((a, b) => +b.createdAt! - +a.createdAt!);
    expect(c.invoices.totalCount).toBe(invoices.length);
    expect(c.invoices.edges.map((e: any) => e.node.id)).toEqual(invoices.slice(0, 3).map((i) => i.id));
    const charges = data.charges.filter((ch) => ch.customerId === seeded.id);
    expect(c.stats.invoiceCount).toBe(invoices.length);
    expect(c.stats.chargeCount).toBe(charges.length);
    const spent = charges.filter((ch) => ch.status === 'SUCCEEDED').reduce((sum, ch) => sum + BigInt(ch.amount as bigint), 0n);
    expect(c.stats.totalSpent.minorUnits).toBe(spent.toString());
    expect(c.entities).toHaveLength(data.entities.filter((e) => e.customerId === seeded.id).length);
    expect(c.events.edges.map((e: any) => e.node.type)).toEqual(['CUSTOMER_CREATED']);
  });

  it("writes money as exact decimal strings in the currency's own units", async () => {
    const res =
      await t.request(`mutation { a: createCustomer(input: { currency: "JPY", accountBalance: "1500" }) { customer { accountBalance { amount } } }
      b: createCustomer(input: { currency: "KWD", accountBalance: "-1005" }) { customer { accountBalance { amount } } }
      c: createCustomer(input: { currency: "USD", accountBalance: "9007199254740993" }) { customer { id accountBalance { amount minorUnits } } } }`);
    expect(res.data).toMatchObject({
      a: { customer: { accountBalance: { amount: '1500' } } },
      b: { customer: { accountBalance: { amount: '-1.005' } } },
      c: { customer: { accountBalance: { amount: '90071992547409.93', minorUnits: '9007199254740993' } } },
    });
    // Read back: beyond 2^53, so it must not pass through a JavaScript number on the way.
    const readBack = await t.request('query($id: ID!) { customer(id: $id) { accountBalanceMinorUnits createdAt } }', {
      id: res.data!.c.customer.id,
    });
    expect(readBack.data!.customer.accountBalanceMinorUnits).toBe('9007199254740993');
    expect(Math.abs(Date.parse(readBack.data!.customer.createdAt) - Date.now())).toBeLessThan(60_000);
  });

  it("answers null for an unknown id or another account's or environment's customer", async () => {
    const foreign = await t.prisma.customer.findFirstOrThrow({ where: { accountId: t.otherMerchant.accountId } });
    for (const id of ['cus_000000000000000000000000', foreign.id, 'nonsense']) {
      const res = await t.request('query($id: ID!) { customer(id: $id) { id } }', { id });
      expect(res).toMatchObject({ status: 200, data: { customer: null } });
      expect(res.errors).toBeUndefined();
    }
    const fromLive = await t.request(
      'query($id: ID!) { customer(id: $id) { id } }',
      { id: data.customers[0].id },
      { key: t.merchant.liveKey },
    );
    expect(fromLive.data!.customer).toBeNull();
  });

  it("reads none of another tenant's rows through the loaders, by id or in an aggregate", async () => {
    const foreign = await t.prisma.customer.findFirstOrThrow({
      where: { accountId: t.otherMerchant.accountId, subscriptions: { some: {} }, charges: { some: { status: 'SUCCEEDED' } } },
      include: { subscriptions: true, invoices: true },
    });
    const loadersOf = (accountId: string) => createLoaders(t.prisma, { accountId, env: 'TEST' });
    const reads = async (loaders: Loaders) => ({
      customer: await loaders.node(foreign.id),
      subscription: await loaders.byId('Subscription').load(foreign.subscriptions[0].id),
      invoice: await loaders.byId('Invoice').load(foreign.invoices[0].id),
      spent: await loaders.groups('Customer', { relation: 'charges', by: ['currency'], sum: ['amount'] }).load(foreign.id),
    });
    const owner = await reads(loadersOf(t.otherMerchant.accountId));
    expect(owner.customer?.id).toBe(foreign.id);
    expect(owner.subscription?.id).toBe(foreign.subscriptions[0].id);
    expect(owner.spent.length).toBeGreaterThan(0);
    expect(await reads(loadersOf(t.merchant.accountId))).toEqual({ customer: null, subscription: null, invoice: null, spent: [] });
  });

  it('looks up a balance by feature id, null when there is none', async () => {
    const balance = data.balances.find((b) => !b.entityId)!;
    const res = await t.request(
      'query($id: ID!, $f: String!) { customer(id: $id) { balance(featureId: $f) { id } none: balance(featureId: "nope") { id } } }',
      {
        id: balance.customerId,
        f: balance.featureId,
      },
    );
    expect(res.data!.customer).toEqual({ balance: { id: balance.id }, none: null });
  });

  it("pages a customer's invoices with cursors", async () => {
    const customerId = data.customers[3].id;
    const all = data.invoices
      .filter((i) => i.customerId === customerId)
      .sort((a, b) => +b.createdAt! - +a.createdAt! || (a.id < b.id ? 1 : -1));
    const ids: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const res: GraphQLResponse = await t.request(
        'query($id: ID!, $after: String) { customer(id: $id) { invoices(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }',
        { id: customerId, after },
      );
      const page: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } =
        res.data!.customer.invoices;
      ids.push(...page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(ids).toEqual(all.map((i) => i.id));
    const tooMany = await t.request('query($id: ID!) { customer(id: $id) { invoices(first: 101) { edges { node { id } } } } }', {
      id: customerId,
    });
    expect(tooMany.errors![0].message).toContain('Argument "first"');
    const madeUp = Buffer.from(`GPC:T:["S:${customerId}","S:not an instant","S:inv_x"]`).toString('base64');
    const otherCustomers = data.customers[4].id;
    const page = 'query($id: ID!, $after: String) { customer(id: $id) { invoices(first: 2, after: $after) { totalCount } } }';
    // Not a cursor of any customer's invoices: refused before anything runs.
    const forged = await t.request(page, { id: customerId, after: madeUp });
    expect(forged.status).toBe(400);
    expect(forged.errors).toEqual([expect.objectContaining({ message: 'Argument "after": is not a cursor of this list' })]);
    // A cursor of another customer's invoices: refused on that customer's invoices.
    const another = await t.request(page, { id: otherCustomers, after });
    expect(another.data).toEqual({ customer: null });
    expect(another.errors).toEqual([
      expect.objectContaining({ message: 'Argument "after": is not a cursor of this list', path: ['customer', 'invoices'] }),
    ]);
  });

  it('answers in one round trip what the customers list answers level by level: aliases, fragments, variables, wrong arguments', async () => {
    const fragment =
      'fragment Lists on Customer { id subscriptions { id } purchases { id } rewards { id } trialsUsed { id } paymentMethod { id } events { edges { node { type } } } }';
    const { id: customerId, email } = data.customers.find((c) => c.email && !c.deletedAt)!;
    const latest = (
      await t.request('query($id: ID!) { customer(id: $id) { invoices(first: 1) { pageInfo { endCursor } } } }', { id: customerId })
    ).data!.customer.invoices.pageInfo.endCursor;
    const variables = {
      id: customerId,
      n: 2,
      after: latest,
      feature: data.balances.find((b) => b.customerId === customerId && !b.entityId)?.featureId ?? 'none',
    };
    const both = async (selection: string) => {
      const declared = '$n: Int, $after: String, $feature: String!';
      const byId = await t.request(`query($id: ID!, ${declared}) { customer(id: $id) { ${selection} } } ${fragment}`, variables);
      const byList = await t.request(
        `query($email: String!, ${declared}) { customers(first: 1, filter: { email: $email }) { edges { node { ${selection} } } } } ${fragment}`,
        { ...variables, id: undefined, email },
      );
      return { byId, byList };
    };

    const { byId, byList } = await both(`
      ...Lists
      latest: invoices(first: 1) { edges { node { id } } }
      older: invoices(first: $n, after: $after) { totalCount edges { cursor node { id total { amount } } } }
      ... on Customer { feature: balance(featureId: $feature) { id remaining } entities { id balances { id } } }
      referrals { id reward { code } referredCustomer { id } }
      stats { invoiceCount totalSpent { amount } }`);
    expect(byId.errors).toBeUndefined();
    expect(byId.data!.customer.older.edges.length).toBeGreaterThan(0);
    expect(byId.data!.customer).toEqual(byList.data!.customers.edges[0].node);

    const wrong = await both(
      '...Lists older: invoices(first: $n, after: $after) { totalCount } balance(featureId: $feature) { id } tooMany: charges(first: 101) { totalCount }',
    );
    // A page size past the limit refuses the request before it runs, whichever way the customer is read.
    for (const refused of [wrong.byId, wrong.byList]) {
      expect(refused.status).toBe(400);
      expect(refused.data).toBeUndefined();
      expect(refused.errors!.map((e) => e.message)).toEqual(['Argument "first": must be between 0 and 100, got 101']);
    }
  });
});

describe('node and nodes', () => {
  it('fetch every type by its prefixed id, in order, null for ids the caller cannot see', async () => {
    const ids = [
      data.customers[0].id,
      data.subscriptions[0].id,
      data.purchases[0].id,
      data.balances[0].id,
      data.invoices[0].id,
      data.charges[0].id,
      data.entities[0].id,
      data.trialsUsed[0].id,
      data.rewards[0].id,
      data.referrals[0].id,
      data.paymentMethods[0].id,
      data.events[0].id,
    ];
    const res = await t.request('query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }', {
      ids: [...ids, 'cus_000000000000000000000000', 'bogus', t.merchant.accountId],
    });
    expect(res.data!.nodes.map((n: any) => n?.__typename ?? null)).toEqual([
      'Customer',
      'PlanSubscription',
      'Purchase',
      'Balance',
      'Invoice',
      'Charge',
      'Entity',
      'TrialUsed',
      'Reward',
      'Referral',
      'PaymentMethod',
      'Event',
      null,
      null,
      null,
    ]);
    expect(res.data!.nodes.slice(0, ids.length).map((n: any) => n.id)).toEqual(ids);
    const single = await t.request('query($id: ID!) { node(id: $id) { id ... on Invoice { number } } }', { id: data.invoices[0].id });
    expect(single.data!.node).toEqual({ id: data.invoices[0].id, number: data.invoices[0].number });
  });

  it("hide another account's and environment's objects", async () => {
    const ids = [data.customers[0].id, data.subscriptions[0].id, data.invoices[0].id, data.events[0].id];
    for (const key of [t.otherMerchant.testKey, t.merchant.liveKey]) {
      const res = await t.request('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }, { key });
      expect(res.data!.nodes).toEqual([null, null, null, null]);
    }
  });

  it('refuse more than 100 ids', async () => {
    const res = await t.request('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array.from({ length: 101 }, () => 'cus_x') });
    expect(res.errors![0].message).toContain('Argument "ids"');
  });
});
