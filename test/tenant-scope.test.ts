import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/auth/accounts.ts';
import { demoData, insertDemoData } from '../src/demo/seed.ts';
import { createApp } from '../src/http/app.ts';
import { createTestDatabase, type TestDatabase } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';

// Every statement a request sends binds the caller's account and environment (src/data/tenant.ts
// is the one way rows are scoped): read compiled or through the resolvers, or written. The query
// listener sees each statement with its parameters.

interface Sent {
  query: string;
  params: unknown[];
}

let database: TestDatabase;
const sent: Sent[] = [];
let accountId: string;
let key: string;
let apps: ReturnType<typeof createApp>[];

/** Statements of the request machinery, not of the caller's data: the key's lookup is what finds the caller. */
const MACHINERY = /"ApiKey"|"RateLimit"|^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b|^-- Implicit "(BEGIN|COMMIT|ROLLBACK)"|^\s*$/i;

beforeAll(async () => {
  database = await createTestDatabase({ onQuery: ({ query, params }) => sent.push({ query, params }) });
  const merchant = await createAccount(database.db.prisma, 'Scoped');
  const other = await createAccount(database.db.prisma, 'Other');
  accountId = merchant.accountId;
  key = merchant.testKey;
  await insertDemoData(database.db.prisma, demoData(accountId, 'TEST', 12, 3));
  await insertDemoData(database.db.prisma, demoData(other.accountId, 'TEST', 4, 4));
  apps = [createApp({ db: database.db }), createApp({ db: database.db, compiledRead: false })];
});
afterAll(() => database.drop());

async function send(
  app: ReturnType<typeof createApp>,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const response = await app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

describe('tenant scoping', () => {
  it('binds the caller’s account and environment in every statement of every read and write', async () => {
    const customers = await database.db.prisma.customer.findMany({
      where: { accountId },
      include: { invoices: true, subscriptions: true },
    });
    const withInvoices = customers.find((c) => c.invoices.length > 1)!;
    const ids = [withInvoices.id, withInvoices.invoices[0].id, withInvoices.subscriptions[0]?.id ?? withInvoices.id, 'cus_unknown'];
    sent.length = 0;
    for (const app of apps) {
      await send(app, `query($id: ID!) { customer(id: $id) { ${EVERY_FIELD} } }`, { id: withInvoices.id });
      const page = await send(
        app,
        `{ customers(first: 5, orderBy: { field: NAME, direction: ASC }) { totalCount pageInfo { endCursor } edges { node { ${EVERY_FIELD} } } } }`,
      );
      await send(
        app,
        'query($after: String) { customers(first: 5, after: $after, orderBy: { field: NAME, direction: ASC }) { edges { node { id } } } }',
        {
          after: page.customers.pageInfo.endCursor,
        },
      );
      for (const filter of [
        { search: 'a' },
        { email: 'x@example.com' },
        { metadata: [{ key: 'k', value: 'v' }] },
        { includeDeleted: true },
      ]) {
        await send(app, 'query($filter: CustomerFilter) { customers(first: 3, filter: $filter) { totalCount edges { node { id } } } }', {
          filter,
        });
      }
      const invoices = await send(app, 'query($id: ID!) { customer(id: $id) { invoices(first: 1) { pageInfo { endCursor } } } }', {
        id: withInvoices.id,
      });
      await send(
        app,
        'query($id: ID!, $after: String) { customer(id: $id) { invoices(first: 1, after: $after) { totalCount edges { node { id } } } } }',
        {
          id: withInvoices.id,
          after: invoices.customer.invoices.pageInfo.endCursor,
        },
      );
      await send(app, 'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Customer { stats { totalSpent { amount } } } } }', { ids });
      await send(
        app,
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id referrals { reward { id } referredCustomer { id } } } } }',
        {
          r: ids.filter((id) => id.startsWith('cus_')).map((id) => ({ __typename: 'Customer', id })),
        },
      );
    }
    const [app] = apps;
    const created = await send(
      app,
      'mutation { createCustomer(input: { name: "New", email: "new@example.com" }) { customer { id } } }',
      {},
      { 'idempotency-key': 'scope-1' },
    );
    await send(
      app,
      'mutation { createCustomer(input: { name: "New", email: "new@example.com" }) { customer { id } } }',
      {},
      { 'idempotency-key': 'scope-1' },
    );
    const id = created.createCustomer.customer.id;
    await send(
      app,
      'mutation($id: ID!) { updateCustomer(input: { id: $id, name: "Renamed", metadata: { a: "b" } }) { customer { id } } }',
      { id },
    );
    await send(app, 'mutation($id: ID!) { deleteCustomer(input: { id: $id }) { deletedCustomerId } }', { id: withInvoices.id });

    const data = sent.filter(({ query }) => !MACHINERY.test(query));
    expect(data.length).toBeGreaterThan(40);
    const unscoped = data.filter(({ params }) => !(params.includes(accountId) && params.includes('TEST')));
    expect(unscoped.map(({ query }) => query)).toEqual([]);
  });

  it('binds them in every statement of the billing verbs, but the inserts of rows under a customer the same transaction found in scope', async () => {
    const [app, resolvers] = apps;
    const ok = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
      const [payload] = Object.values(await send(app, query, variables, headers)) as Record<string, any>[];
      expect(payload.userErrors, query).toEqual([]);
      return payload;
    };
    const mark = sent.length;
    const create = 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code } } }';
    const referrer = (await ok(create, { input: { name: 'Referrer', externalId: 'scope_ref' } })).customer.id;
    const referred = (await ok(create, { input: { name: 'Referred' } })).customer.id;
    const upsert =
      'mutation($input: UpsertCustomerInput!) { upsertCustomer(input: $input) { customer { id } created userErrors { code } } }';
    await ok(upsert, { input: { externalId: 'scope_ref', name: 'Referrer again' } });
    await ok(upsert, { input: { externalId: 'scope_new', name: 'Upserted' } }, { 'idempotency-key': 'scope-upsert' });
    const plan = 'mutation($input: CreatePlanInput!) { createPlan(input: $input) { plan { id } userErrors { code } } }';
    const features = [
      { featureId: 'seats', included: '3', interval: 'ONE_OFF' },
      { featureId: 'api_calls', included: '100', interval: 'MONTH' },
    ];
    for (let i = 0; i < 2; i++)
      await ok(plan, { input: { id: 'scope_plan', name: 'Scoped', features } }, { 'idempotency-key': 'scope-plan' });
    await ok(plan, {
      input: { id: 'scope_addon', name: 'Add-on', features: [{ featureId: 'storage_gb', included: '5', interval: 'ONE_OFF' }] },
    });
    await ok('mutation { updatePlan(input: { id: "scope_addon", name: "Add-on 2" }) { plan { id } userErrors { code } } }');
    const attach =
      'mutation($input: AttachPlanInput!) { attachPlan(input: $input) { subscription { id } customer { id } userErrors { code } } }';
    const base = (await ok(attach, { input: { customerId: referrer, planId: 'scope_plan' } }, { 'idempotency-key': 'scope-attach' }))
      .subscription.id;
    const addOn = (await ok(attach, { input: { customerId: referrer, planId: 'scope_addon', trialDays: 7 } })).subscription.id;
    const track = 'mutation($input: TrackUsageInput!) { trackUsage(input: $input) { balance { id usage } userErrors { code } } }';
    await ok(track, { input: { customerId: referrer, featureId: 'api_calls', value: '2' } });
    await ok(track, { input: { customerId: referrer, featureId: 'api_calls' } }, { 'idempotency-key': 'scope-track' });
    await ok(
      'mutation($c: ID!) { setUsage(input: { customerId: $c, featureId: "storage_gb", usage: "4" }) { balance { id } userErrors { code } } }',
      {
        c: referrer,
      },
    );
    const entity = (
      await ok(
        'mutation($c: ID!) { createEntity(input: { customerId: $c, externalId: "seat_1", name: "Seat", featureId: "seats" }) { entity { id } userErrors { code } } }',
        { c: referrer },
      )
    ).entity.id;
    await ok(attach, { input: { customerId: referrer, planId: 'scope_addon', entityId: entity } });
    await ok('mutation($id: ID!) { updateEntity(input: { id: $id, name: "Seat 1" }) { entity { id } userErrors { code } } }', {
      id: entity,
    });
    const code = (
      await ok(
        'mutation($c: ID!) { createReferralCode(input: { customerId: $c, programId: "friends" }) { referralCode { code } userErrors { code } } }',
        { c: referrer },
      )
    ).referralCode.code;
    await ok(
      'mutation($code: String!, $c: ID!) { redeemReferralCode(input: { code: $code, customerId: $c }) { referral { id } userErrors { code } } }',
      {
        code,
        c: referred,
      },
    );
    for (const target of [app, resolvers]) {
      await send(target, '{ plans(includeArchived: true) { id features { featureId } } plan(id: "scope_plan") { id name } }');
      await send(
        target,
        `query($c: ID!, $e: ID) { customerByExternalId(externalId: "scope_ref") { id } customer(id: $c) {
          access(featureId: "api_calls") { allowed code balance { id remaining } } seat: access(featureId: "storage_gb", entityId: $e) { allowed }
          entity(externalId: "seat_1") { id balances { id } subscriptions { id } } referralCodes { id code customer { id } }
          referrals { id reward { id } referredCustomer { id } } subscriptions { id customer { id } entity { id } } } }`,
        { c: referrer, e: entity },
      );
    }
    await ok('mutation($id: ID!) { deleteEntity(input: { id: $id }) { deletedEntityId userErrors { code } } }', { id: entity });
    await ok(
      'mutation($id: ID!) { cancelSubscription(input: { id: $id, atPeriodEnd: true }) { subscription { id } userErrors { code } } }',
      {
        id: base,
      },
    );
    await ok('mutation($id: ID!) { cancelSubscription(input: { id: $id }) { subscription { id } userErrors { code } } }', { id: addOn });
    await ok('mutation { archivePlan(input: { id: "scope_addon" }) { plan { id } userErrors { code } } }');

    const data = sent.slice(mark).filter(({ query }) => !MACHINERY.test(query));
    expect(data.length).toBeGreaterThan(80);
    const scopedHere = ({ params }: Sent) => params.includes(accountId) && params.includes('TEST');
    // A row under a customer (a subscription, balance, entity, reward, referral or trial) has no
    // tenant columns: its insert names the customer, which the verb found in scope, under lock, first.
    const ownCustomers = new Set(
      (await database.db.prisma.customer.findMany({ where: { accountId, env: 'TEST' }, select: { id: true } })).map((c) => c.id),
    );
    const underOwnCustomer = ({ query, params }: Sent) => /^INSERT INTO/i.test(query) && params.some((p) => ownCustomers.has(p as string));
    const unscoped = data.filter((statement) => !scopedHere(statement) && !underOwnCustomer(statement));
    expect(unscoped.map(({ query }) => query)).toEqual([]);
    expect(data.filter(underOwnCustomer).length).toBeGreaterThan(0);
  });
});
