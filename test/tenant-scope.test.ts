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
});
