import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoData, demoData, insertDemoData } from '../src/demo/seed.ts';
import { graphqlTypeName, graphqlTypeOfId, type IdType, newId, randomToken, typeOfId } from '../src/domain/ids.ts';
import type { Environment } from '../src/generated/prisma/enums.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';
import { recordTrust } from './support/trust-record.ts';

/**
 * Two accounts × two environments. For every entry point, a caller asking about another caller's
 * objects must get exactly the answer it gets for values that exist nowhere: same status, same
 * bytes (the probed values themselves masked), same number of SQL statements, so not even the
 * work done differs. Each probe is first run by the owner, to prove it does reach the object.
 */

interface Caller {
  name: string;
  accountId: string;
  env: Environment;
  key: string;
  data: DemoData;
  /** Values set on the caller's first customer that no other caller has. */
  probe: { id: string; name: string; email: string; externalId: string; companyName: string; metadataValue: string; invoicePrefix: string };
}

const CHILD_TABLES = {
  Subscription: 'subscriptions',
  Purchase: 'purchases',
  Balance: 'balances',
  Invoice: 'invoices',
  Charge: 'charges',
  Entity: 'entities',
  TrialUsed: 'trialsUsed',
  Reward: 'rewards',
  Referral: 'referrals',
  PaymentMethod: 'paymentMethods',
  Event: 'events',
} as const satisfies Partial<Record<IdType, keyof DemoData>>;

const NODE_FIELDS = (['Customer', ...Object.keys(CHILD_TABLES)] as IdType[])
  .map((type) => `... on ${graphqlTypeName(type)} { id }`)
  .join(' ');
/** Seeds whose 4 customers (the last one deleted) have rows of every kind among the live ones. */
const CUSTOMERS_PER_TENANT = 4;
const FIRST_SEED = 346;

let t: TestApp;
let callers: Caller[];

const SET_PROBE_VALUES = `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { userErrors { code } } }`;

beforeAll(async () => {
  t = await createTestApp();
  callers = [];
  for (const [letter, account] of [
    ['A', t.merchant],
    ['B', t.otherMerchant],
  ] as const) {
    for (const env of ['TEST', 'LIVE'] as const) {
      const data = demoData(account.accountId, env, CUSTOMERS_PER_TENANT, FIRST_SEED + callers.length);
      await insertDemoData(t.prisma, data);
      const unique = randomToken(10);
      const probe = {
        id: data.customers[0].id,
        name: `Probe ${unique}`,
        email: `probe.${unique.toLowerCase()}@example.com`,
        externalId: `probe_${unique}`,
        companyName: `Probe Co ${unique}`,
        metadataValue: `probe-${unique}`,
        invoicePrefix: `P${unique.toUpperCase().slice(0, 8)}`,
      };
      callers.push({
        name: `${letter}/${env}`,
        accountId: account.accountId,
        env,
        key: env === 'TEST' ? account.testKey : account.liveKey,
        data,
        probe,
      });
    }
  }
  for (const caller of callers) {
    const { id, name, email, externalId, companyName, metadataValue, invoicePrefix } = caller.probe;
    const input = { id, name, email, externalId, companyName, invoicePrefix, metadata: { probe_key: metadataValue } };
    expect((await t.request(SET_PROBE_VALUES, { input }, { key: caller.key })).data?.updateCustomer.userErrors).toEqual([]);
    // A tombstone in every tenant: deleted customers must stay as invisible to others as live ones.
    const last = caller.data.customers.at(-1)!.id;
    const deleted = await t.request(
      'mutation($id: ID!) { deleteCustomer(input: { id: $id }) { userErrors { code } } }',
      { id: last },
      { key: caller.key },
    );
    expect(deleted.data?.deleteCustomer.userErrors).toEqual([]);
  }
});

afterAll(() => t?.close());

async function raw(key: string, { query, variables }: { query: string; variables: Record<string, unknown> }) {
  let status = 0;
  let text = '';
  const statements = await t.countStatements(async () => {
    const response = await t.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    status = response.status;
    text = await response.text();
  });
  return { status, text, statements };
}

/** The probed values replaced by their position, so answers that echo the input compare equal. */
function masked(text: string, values: string[]): string {
  return values.reduce((out, value, i) => out.split(value).join(`<probe ${i}>`), text);
}

/** An id of the same type, or a string of the same shape, that exists nowhere. */
function unknownLike(value: string): string {
  const type = typeOfId(value);
  return type ? newId(type) : `${value.replace(/[^@.]/g, 'x')}${randomToken(6)}`;
}

type Probe = (values: string[]) => { query: string; variables: Record<string, unknown> };

async function expectSameAsUnknown(observer: Caller, values: string[], probe: Probe, context: string) {
  const unknown = values.map(unknownLike);
  const foreign = await raw(observer.key, probe(values));
  const nowhere = await raw(observer.key, probe(unknown));
  expect(
    { status: foreign.status, body: masked(foreign.text, values), statements: foreign.statements },
    `${observer.name} ${context}`,
  ).toEqual({
    status: nowhere.status,
    body: masked(nowhere.text, unknown),
    statements: nowhere.statements,
  });
}

/** Every caller but the owner gets the unknown answer; the owner's answer passes `ownerSees`. Returns the probes run. */
async function expectInvisible(owner: Caller, values: string[], probe: Probe, ownerSees: string[]): Promise<number> {
  const own = await raw(owner.key, probe(values));
  expect(own.status).toBe(200);
  for (const expected of ownerSees) expect(own.text, `${owner.name} sees its own`).toContain(expected);
  const observers = callers.filter((c) => c !== owner);
  for (const observer of observers)
    await expectSameAsUnknown(observer, values, probe, `probing ${owner.name}: ${probe(values).query.slice(0, 70)}`);
  return observers.length;
}

function tally(attack: string, { outcome = 'same bytes, status and SQL statements as an unknown id', rowsChanged = '0' } = {}) {
  let tries = 0;
  return {
    add: (n: number) => {
      tries += n;
    },
    record: () => recordTrust({ attack, tries, outcome, rowsChanged, crossTenantReads: 0 }),
  };
}

describe('reads of another account or environment answer as for a value that exists nowhere', () => {
  it('customer(id), with every nested field, for live and deleted customers', async () => {
    const probes = tally('Isolation: customer(id) with every nested field, live and deleted');
    for (const owner of callers) {
      for (const customer of owner.data.customers) {
        const query: Probe = ([id]) => ({ query: `query($id: ID!) { customer(id: $id) { ${EVERY_FIELD} } }`, variables: { id } });
        probes.add(await expectInvisible(owner, [customer.id], query, [`"id":"${customer.id}"`]));
      }
    }
    probes.record();
  });

  it('node(id) for every type of object', async () => {
    const probes = tally('Isolation: node(id), each of the 12 types');
    for (const owner of callers) {
      const liveCustomers = new Set(owner.data.customers.slice(0, -1).map((c) => c.id));
      const ids = [owner.probe.id];
      for (const [type, table] of Object.entries(CHILD_TABLES)) {
        const row = (owner.data[table] as { id: string; customerId: string }[]).find((r) => liveCustomers.has(r.customerId));
        expect(row, `${owner.name} has a ${type} of a live customer`).toBeDefined();
        ids.push(row!.id);
      }
      for (const id of ids) {
        const query: Probe = ([probed]) => ({
          query: `query($id: ID!) { node(id: $id) { __typename ${NODE_FIELDS} } }`,
          variables: { id: probed },
        });
        probes.add(await expectInvisible(owner, [id], query, [`"id":"${id}"`]));
      }
    }
    probes.record();
  });

  it('nodes(ids) and _entities(representations), in one batch', async () => {
    const probes = tally('Isolation: nodes(ids) and _entities(representations)');
    for (const owner of callers) {
      const live = owner.probe.id;
      const ofLive = (rows: { id: string; customerId: string }[]) => rows.find((r) => r.customerId === live)?.id ?? rows[0].id;
      const ids = [live, ofLive(owner.data.subscriptions), ofLive(owner.data.invoices), ofLive(owner.data.entities)];
      const nodes: Probe = (probed) => ({
        query: `query($ids: [ID!]!) { nodes(ids: $ids) { __typename ${NODE_FIELDS} } }`,
        variables: { ids: probed },
      });
      probes.add(await expectInvisible(owner, ids, nodes, [`"id":"${live}"`]));
      const entities: Probe = (probed) => ({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Customer { id email } ... on PlanSubscription { id } ... on Invoice { id } ... on Entity { id } } }`,
        variables: { r: probed.map((id) => ({ __typename: graphqlTypeOfId(id), id })) },
      });
      probes.add(await expectInvisible(owner, ids, entities, [`"id":"${live}"`, owner.probe.email]));
    }
    probes.record();
  });

  it('customers(filter): email, search by name, email, externalId and company, metadata, includeDeleted', async () => {
    const probes = tally('Isolation: customers(filter) by email, search, metadata, includeDeleted');
    const list =
      (filter: string): Probe =>
      ([v]) => ({
        query: `query($v: String!) { customers(first: 50, filter: ${filter}) { totalCount edges { node { id email } } } }`,
        variables: { v },
      });
    for (const owner of callers) {
      const { id, email, name, externalId, companyName, metadataValue } = owner.probe;
      const cases: [string, string][] = [
        ['{ email: $v }', email],
        ['{ search: $v }', name],
        ['{ search: $v }', email],
        ['{ search: $v }', externalId],
        ['{ search: $v }', companyName],
        ['{ search: $v, includeDeleted: true }', externalId],
        ['{ metadata: [{ key: "probe_key", value: $v }] }', metadataValue],
      ];
      for (const [filter, value] of cases) probes.add(await expectInvisible(owner, [value], list(filter), [id]));
    }
    probes.record();
  });

  it("every nested field of a caller's own customers holds only its own objects, even where rows point across tenants", async () => {
    const [a, , b] = callers;
    // A row the API cannot write, planted to prove the loaders check the tenant, not only the link.
    await t.prisma.referral.create({
      data: {
        id: newId('Referral'),
        customerId: a.probe.id,
        programId: 'planted',
        code: 'PLANTED',
        referredCustomerId: b.probe.id,
        rewardId: b.data.rewards[0].id,
      },
    });
    for (const caller of callers) {
      const own = await idsOfTenant(caller);
      const response = await raw(caller.key, {
        query: `{ customers(first: 10, filter: { includeDeleted: true }) { edges { node { ${EVERY_FIELD} } } } }`,
        variables: {},
      });
      expect(response.status).toBe(200);
      const seen = new Set(
        [...response.text.matchAll(/"((?:cus|sub|pur|bal|inv|ch|ent|trl|rwd|ref|pm|evt)_[0-9A-Za-z]{24})"/g)].map((m) => m[1]),
      );
      expect(seen.size).toBeGreaterThan(20);
      expect(
        [...seen].filter((id) => !own.has(id)),
        caller.name,
      ).toEqual([]);
    }
    const planted = await t.request(
      'query($id: ID!) { customer(id: $id) { referrals { code referredCustomer { id } reward { id } } } }',
      { id: a.probe.id },
      { key: a.key },
    );
    expect(planted.data?.customer.referrals).toContainEqual({ code: 'PLANTED', referredCustomer: null, reward: null });
    recordTrust({
      attack: 'Isolation: every nested field, incl. a planted cross-tenant referral',
      tries: callers.length,
      outcome: 'only own ids; planted link reads null',
      rowsChanged: '0',
      crossTenantReads: 0,
    });
  });
});

/** Every id stored for the caller's account and environment, read from the tables themselves. */
async function idsOfTenant(caller: Caller): Promise<Set<string>> {
  const tenant = { accountId: caller.accountId, env: caller.env };
  const ofCustomer = { where: { customer: tenant }, select: { id: true } } as const;
  const rows = await Promise.all([
    t.prisma.customer.findMany({ where: tenant, select: { id: true } }),
    t.prisma.subscription.findMany(ofCustomer),
    t.prisma.purchase.findMany(ofCustomer),
    t.prisma.balance.findMany(ofCustomer),
    t.prisma.invoice.findMany(ofCustomer),
    t.prisma.charge.findMany(ofCustomer),
    t.prisma.entity.findMany(ofCustomer),
    t.prisma.trialUsed.findMany(ofCustomer),
    t.prisma.reward.findMany(ofCustomer),
    t.prisma.referral.findMany(ofCustomer),
    t.prisma.paymentMethod.findMany(ofCustomer),
    t.prisma.event.findMany({ where: tenant, select: { id: true } }),
  ]);
  return new Set(rows.flat().map((row) => row.id));
}

describe('writes to another account or environment answer as for an id that exists nowhere, and change nothing', () => {
  it('updateCustomer and deleteCustomer, with and without expectedVersion', async () => {
    const probes = tally('Isolation: updateCustomer / deleteCustomer on foreign ids');
    const snapshot = async () => ({
      customers: await t.prisma.customer.findMany({ orderBy: { id: 'asc' } }),
      events: await t.prisma.event.count(),
    });
    const before = await snapshot();
    const update: Probe = ([id]) => ({
      query:
        'mutation($id: ID!) { updateCustomer(input: { id: $id, name: "Taken over", metadata: { owner: "me" } }) { customer { id name } userErrors { field code message } } }',
      variables: { id },
    });
    const staleUpdate: Probe = ([id]) => ({
      query:
        'mutation($id: ID!) { updateCustomer(input: { id: $id, expectedVersion: 999, name: "Taken over" }) { customer { id } userErrors { field code message } } }',
      variables: { id },
    });
    const staleDelete: Probe = ([id]) => ({
      query:
        'mutation($id: ID!) { deleteCustomer(input: { id: $id, expectedVersion: 999 }) { deletedCustomerId userErrors { field code message } } }',
      variables: { id },
    });
    const remove: Probe = ([id]) => ({
      query: 'mutation($id: ID!) { deleteCustomer(input: { id: $id }) { deletedCustomerId userErrors { field code message } } }',
      variables: { id },
    });
    for (const owner of callers) {
      const id = owner.probe.id;
      // With a stale version the owner is refused too, so its control run changes nothing either.
      probes.add(await expectInvisible(owner, [id], staleUpdate, ['VERSION_CONFLICT']));
      probes.add(await expectInvisible(owner, [id], staleDelete, ['VERSION_CONFLICT']));
      for (const observer of callers.filter((c) => c !== owner)) {
        await expectSameAsUnknown(observer, [id], update, `updating ${owner.name}`);
        await expectSameAsUnknown(observer, [id], remove, `deleting ${owner.name}`);
        probes.add(2);
      }
    }
    const after = await snapshot();
    expect(after).toEqual(before);
    probes.record();
  });

  it("createCustomer with another tenant's email and externalId succeeds: uniqueness never reveals them", async () => {
    const probes = tally('Isolation: createCustomer reusing a foreign email and externalId', {
      outcome: 'accepted, as a new email would be (the owner gets EMAIL_TAKEN)',
      rowsChanged: "0 of the owner's (1 customer in the prober's own tenant each, deleted again)",
    });
    const create = (caller: Caller, email: string, externalId: string) =>
      t.request(
        'mutation($email: String, $externalId: String) { createCustomer(input: { email: $email, externalId: $externalId }) { customer { id } userErrors { code } } }',
        { email, externalId },
        { key: caller.key },
      );
    for (const owner of callers) {
      expect((await create(owner, owner.probe.email, `${owner.probe.externalId}x`)).data?.createCustomer.userErrors).toEqual([
        { code: 'EMAIL_TAKEN' },
      ]);
      expect((await create(owner, `x${owner.probe.email}`, owner.probe.externalId)).data?.createCustomer.userErrors).toEqual([
        { code: 'EXTERNAL_ID_TAKEN' },
      ]);
      for (const observer of callers.filter((c) => c !== owner)) {
        const created = await create(observer, owner.probe.email, owner.probe.externalId);
        expect(created.data?.createCustomer.userErrors, `${observer.name} reusing ${owner.name}'s email and externalId`).toEqual([]);
        // Free it again, so the next observer's probe of this owner starts from the same state.
        await t.request(
          'mutation($id: ID!) { deleteCustomer(input: { id: $id }) { userErrors { code } } }',
          { id: created.data?.createCustomer.customer.id },
          { key: observer.key },
        );
        probes.add(1);
      }
    }
    probes.record();
  });

  it('invoicePrefix is unique per account: free across accounts, shared by the two environments of one account (by design)', async () => {
    const create = (caller: Caller, invoicePrefix: string) =>
      t.request(
        'mutation($p: String) { createCustomer(input: { invoicePrefix: $p }) { userErrors { code } } }',
        { p: invoicePrefix },
        { key: caller.key },
      );
    const [aTest, aLive, bTest, bLive] = callers;
    expect((await create(bTest, aLive.probe.invoicePrefix)).data?.createCustomer.userErrors).toEqual([]);
    expect((await create(bLive, aTest.probe.invoicePrefix)).data?.createCustomer.userErrors).toEqual([]);
    expect((await create(aTest, aLive.probe.invoicePrefix)).data?.createCustomer.userErrors).toEqual([{ code: 'INVOICE_PREFIX_TAKEN' }]);
  });

  it('an Idempotency-Key of one tenant means nothing to another', async () => {
    const create = (caller: Caller, name: string) =>
      t.request(
        'mutation($name: String) { createCustomer(input: { name: $name }) { customer { id name } userErrors { code } } }',
        { name },
        {
          key: caller.key,
          headers: { 'idempotency-key': 'the-same-key-everywhere' },
        },
      );
    const first = await create(callers[0], 'First');
    expect(first.data?.createCustomer.userErrors).toEqual([]);
    for (const other of callers.slice(1)) {
      const sameInput = await create(other, 'First');
      expect(sameInput.data?.createCustomer.userErrors).toEqual([]);
      expect(sameInput.data?.createCustomer.customer.id).not.toBe(first.data?.createCustomer.customer.id);
      // The key is now the other tenant's own, for its own input.
      expect((await create(other, 'Other')).data?.createCustomer.userErrors).toEqual([{ code: 'IDEMPOTENCY_KEY_REUSED' }]);
    }
    recordTrust({
      attack: 'Isolation: one Idempotency-Key used by all 4 tenants',
      tries: callers.length,
      outcome: 'each tenant its own customer; no replay across tenants',
      rowsChanged: '4 customers (1 each, as asked)',
      crossTenantReads: 0,
    });
  });
});
