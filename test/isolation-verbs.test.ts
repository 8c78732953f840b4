import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, randomToken, typeOfId } from '../src/domain/ids.ts';
import type { Environment } from '../src/generated/prisma/enums.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { type SseSubscription, subscribeOverSse } from './support/sse.ts';
import { recordTrust } from './support/trust-record.ts';

/**
 * The isolation matrix of test/isolation.test.ts, for the billing verbs' entry points: two accounts
 * × two environments, each with a customer, a plan attached, a seat, a referral code and usage,
 * all made through the API. Another tenant's customer, plan, subscription, entity or code reads and
 * is refused exactly as a value that exists nowhere (same status, same bytes with the probed values
 * masked, same number of SQL statements), changes nothing, and no subscriber hears of it.
 */

interface Tenant {
  name: string;
  accountId: string;
  env: Environment;
  key: string;
  customerId: string;
  /** A second customer, to redeem codes with. */
  redeemerId: string;
  externalId: string;
  planId: string;
  subscriptionId: string;
  entityId: string;
  entityExternalId: string;
  code: string;
  codeId: string;
}

let t: TestApp;
let tenants: Tenant[];

async function ok(key: string, query: string, variables: Record<string, unknown>) {
  const answer = await t.request(query, variables, { key });
  expect(answer.errors, query).toBeUndefined();
  const [payload] = Object.values(answer.data ?? {}) as { userErrors: unknown[] }[];
  expect(payload.userErrors, query).toEqual([]);
  return payload as Record<string, any>;
}

const CREATE_CUSTOMER = 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code } } }';

beforeAll(async () => {
  t = await createTestApp();
  tenants = [];
  for (const [letter, account] of [
    ['A', t.merchant],
    ['B', t.otherMerchant],
  ] as const) {
    for (const env of ['TEST', 'LIVE'] as const) {
      const key = env === 'TEST' ? account.testKey : account.liveKey;
      const unique = randomToken(8);
      const externalId = `iso_${unique}`;
      const customerId = (await ok(key, CREATE_CUSTOMER, { input: { name: `Owner ${unique}`, externalId } })).customer.id;
      const redeemerId = (await ok(key, CREATE_CUSTOMER, { input: { name: `Redeemer ${unique}` } })).customer.id;
      const planId = `plan_${unique}`;
      await ok(key, 'mutation($input: CreatePlanInput!) { createPlan(input: $input) { plan { id } userErrors { code } } }', {
        input: {
          id: planId,
          name: `Plan ${unique}`,
          features: [
            { featureId: 'seats', included: '5', interval: 'ONE_OFF' },
            { featureId: 'api_calls', included: '100', interval: 'MONTH' },
          ],
        },
      });
      const subscriptionId = (
        await ok(key, 'mutation($input: AttachPlanInput!) { attachPlan(input: $input) { subscription { id } userErrors { code } } }', {
          input: { customerId, planId },
        })
      ).subscription.id;
      const entityExternalId = `ws_${unique}`;
      const entityId = (
        await ok(key, 'mutation($input: CreateEntityInput!) { createEntity(input: $input) { entity { id } userErrors { code } } }', {
          input: { customerId, externalId: entityExternalId, name: 'Workspace', featureId: 'seats' },
        })
      ).entity.id;
      const { referralCode } = await ok(
        key,
        'mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { referralCode { id code } userErrors { code } } }',
        { input: { customerId, programId: 'friends' } },
      );
      await ok(key, 'mutation($input: TrackUsageInput!) { trackUsage(input: $input) { balance { id } userErrors { code } } }', {
        input: { customerId, featureId: 'api_calls', value: '3' },
      });
      tenants.push({
        name: `${letter}/${env}`,
        accountId: account.accountId,
        env,
        key,
        customerId,
        redeemerId,
        externalId,
        planId,
        subscriptionId,
        entityId,
        entityExternalId,
        code: referralCode.code,
        codeId: referralCode.id,
      });
    }
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

function masked(text: string, values: string[]): string {
  return values.reduce((out, value, i) => out.split(value).join(`<probe ${i}>`), text);
}

/** An id of the same type, or a key of the same shape, that exists nowhere. */
function unknownLike(value: string): string {
  const type = typeOfId(value);
  return type ? newId(type) : `${value.replace(/[A-Za-z0-9]/g, 'x')}${randomToken(6)}`;
}

/** A request probing `values`, as `asker` sends it (its own customer, plan and code where the probe needs one). */
type Probe = (values: string[], asker: Tenant) => { query: string; variables: Record<string, unknown> };

async function expectSameAsUnknown(observer: Tenant, values: string[], probe: Probe, context: string) {
  const unknown = values.map(unknownLike);
  const foreign = await raw(observer.key, probe(values, observer));
  const nowhere = await raw(observer.key, probe(unknown, observer));
  expect(
    { status: foreign.status, body: masked(foreign.text, values), statements: foreign.statements },
    `${observer.name} ${context}`,
  ).toEqual({ status: nowhere.status, body: masked(nowhere.text, unknown), statements: nowhere.statements });
  return foreign;
}

const others = (owner: Tenant) => tenants.filter((tenant) => tenant !== owner);

function tally(attack: string, outcome = 'same bytes, status and SQL statements as an unknown value') {
  let tries = 0;
  return {
    add: (n: number) => {
      tries += n;
    },
    record: (rowsChanged = '0') => recordTrust({ attack, tries, outcome, rowsChanged, crossTenantReads: 0 }),
  };
}

describe("the billing verbs' reads of another account or environment answer as for a value that exists nowhere", () => {
  const READS: { name: string; values: (owner: Tenant) => string[]; probe: Probe; ownerSees: (owner: Tenant) => string }[] = [
    {
      name: 'customerByExternalId',
      values: (o) => [o.externalId],
      probe: ([v]) => ({ query: 'query($v: String!) { customerByExternalId(externalId: $v) { id name } }', variables: { v } }),
      ownerSees: (o) => o.customerId,
    },
    {
      name: 'plan(id)',
      values: (o) => [o.planId],
      probe: ([v]) => ({
        query: 'query($v: ID!) { plan(id: $v) { id name archived features { featureId included interval } } }',
        variables: { v },
      }),
      ownerSees: (o) => `"id":"${o.planId}"`,
    },
    {
      name: 'Customer.access, entity(externalId), referralCodes of a foreign customer',
      values: (o) => [o.customerId, o.entityExternalId, o.entityId],
      probe: ([id, ext, ent]) => ({
        query: `query($id: ID!, $ext: String!, $ent: ID) { customer(id: $id) { id
          access(featureId: "api_calls") { allowed code balance { id usage } }
          seat: access(featureId: "api_calls", entityId: $ent) { allowed code }
          entity(externalId: $ext) { id name } referralCodes { id code programId customer { id } } } }`,
        variables: { id, ext, ent },
      }),
      ownerSees: (o) => o.code,
    },
    {
      name: "Customer.access(entityId) and entity(externalId) of the asker's own customer, naming a foreign entity",
      values: (o) => [o.entityId, o.entityExternalId],
      probe: ([ent, ext], asker) => ({
        query: `query($id: ID!, $ext: String!, $ent: ID) { customer(id: $id) {
          access(featureId: "seats", entityId: $ent) { allowed code balance { id } } entity(externalId: $ext) { id } } }`,
        variables: { id: asker.customerId, ext, ent },
      }),
      ownerSees: (o) => o.entityId,
    },
    {
      name: 'node(id) of a referral code',
      values: (o) => [o.codeId],
      probe: ([v]) => ({ query: 'query($v: ID!) { node(id: $v) { id ... on ReferralCode { code customer { id } } } }', variables: { v } }),
      ownerSees: (o) => o.code,
    },
  ];

  for (const read of READS) {
    it(read.name, async () => {
      const probes = tally(`Isolation (billing verbs): ${read.name}`);
      for (const owner of tenants) {
        const own = await raw(owner.key, read.probe(read.values(owner), owner));
        expect(own.status).toBe(200);
        expect(own.text, `${owner.name} sees its own`).toContain(read.ownerSees(owner));
        for (const observer of others(owner)) {
          await expectSameAsUnknown(observer, read.values(owner), read.probe, `probing ${owner.name}'s ${read.name}`);
          probes.add(1);
        }
      }
      probes.record();
    });
  }

  it('plans lists only the caller’s own catalog', async () => {
    for (const caller of tenants) {
      const answer = await raw(caller.key, { query: '{ plans(includeArchived: true) { id } }', variables: {} });
      expect(JSON.parse(answer.text).data.plans.map((plan: { id: string }) => plan.id)).toContain(caller.planId);
      for (const owner of others(caller)) expect(answer.text).not.toContain(owner.planId);
    }
    recordTrust({
      attack: 'Isolation (billing verbs): plans(includeArchived)',
      tries: tenants.length,
      outcome: 'own plans only',
      rowsChanged: '0',
      crossTenantReads: 0,
    });
  });
});

/** Every row the billing verbs write, of every tenant. */
async function snapshot() {
  const p = t.prisma;
  const byId = { orderBy: { id: 'asc' } } as const;
  return {
    customers: await p.customer.findMany(byId),
    plans: await p.plan.findMany({ orderBy: [{ accountId: 'asc' }, { env: 'asc' }, { id: 'asc' }], include: { features: true } }),
    subscriptions: await p.subscription.findMany(byId),
    balances: await p.balance.findMany(byId),
    entities: await p.entity.findMany(byId),
    referralCodes: await p.referralCode.findMany(byId),
    referrals: await p.referral.findMany(byId),
    rewards: await p.reward.findMany(byId),
    trials: await p.trialUsed.findMany(byId),
    events: await p.event.count(),
    idempotencyKeys: await p.idempotencyKey.count(),
  };
}

describe("the billing verbs on another tenant's objects are refused as for ids that exist nowhere, and change nothing", () => {
  const WRITES: { name: string; values: (owner: Tenant) => string[]; probe: Probe }[] = [
    {
      name: 'updatePlan',
      values: (o) => [o.planId],
      probe: ([v]) => ({
        query: `mutation($v: String!) { updatePlan(input: { id: $v, name: "Taken over", features: [] }) { plan { id } userErrors { field code message } } }`,
        variables: { v },
      }),
    },
    {
      name: 'archivePlan',
      values: (o) => [o.planId],
      probe: ([v]) => ({
        query: 'mutation($v: String!) { archivePlan(input: { id: $v }) { plan { id } userErrors { field code message } } }',
        variables: { v },
      }),
    },
    {
      name: 'attachPlan to a foreign customer',
      values: (o) => [o.customerId],
      probe: ([v], asker) => ({
        query: `mutation($v: ID!, $plan: String!) { attachPlan(input: { customerId: $v, planId: $plan }) { subscription { id } customer { id } userErrors { field code message } } }`,
        variables: { v, plan: asker.planId },
      }),
    },
    {
      name: 'attachPlan of a foreign plan',
      values: (o) => [o.planId],
      probe: ([v], asker) => ({
        query: `mutation($v: String!, $c: ID!) { attachPlan(input: { customerId: $c, planId: $v, trialDays: 7 }) { subscription { id } userErrors { field code message } } }`,
        variables: { v, c: asker.redeemerId },
      }),
    },
    {
      name: 'attachPlan to a foreign entity',
      values: (o) => [o.entityId],
      probe: ([v], asker) => ({
        query: `mutation($v: ID!, $c: ID!, $plan: String!) { attachPlan(input: { customerId: $c, planId: $plan, entityId: $v }) { subscription { id } userErrors { field code message } } }`,
        variables: { v, c: asker.customerId, plan: asker.planId },
      }),
    },
    {
      name: 'cancelSubscription',
      values: (o) => [o.subscriptionId],
      probe: ([v]) => ({
        query:
          'mutation($v: ID!) { cancelSubscription(input: { id: $v }) { subscription { id status } userErrors { field code message } } }',
        variables: { v },
      }),
    },
    {
      name: 'cancelSubscription at period end',
      values: (o) => [o.subscriptionId],
      probe: ([v]) => ({
        query:
          'mutation($v: ID!) { cancelSubscription(input: { id: $v, atPeriodEnd: true }) { subscription { id } userErrors { field code message } } }',
        variables: { v },
      }),
    },
    {
      name: 'trackUsage of a foreign customer',
      values: (o) => [o.customerId],
      probe: ([v]) => ({
        query: `mutation($v: ID!) { trackUsage(input: { customerId: $v, featureId: "api_calls", value: "1" }) { balance { id } userErrors { field code message } } }`,
        variables: { v },
      }),
    },
    {
      name: 'trackUsage of a foreign entity',
      values: (o) => [o.entityId],
      probe: ([v], asker) => ({
        query: `mutation($v: ID!, $c: ID!) { trackUsage(input: { customerId: $c, featureId: "api_calls", entityId: $v, value: "-1" }) { balance { id } userErrors { field code message } } }`,
        variables: { v, c: asker.customerId },
      }),
    },
    {
      name: 'setUsage of a foreign customer',
      values: (o) => [o.customerId],
      probe: ([v]) => ({
        query: `mutation($v: ID!) { setUsage(input: { customerId: $v, featureId: "api_calls", usage: "0" }) { balance { id } userErrors { field code message } } }`,
        variables: { v },
      }),
    },
    {
      name: 'setUsage of a foreign entity',
      values: (o) => [o.entityId],
      probe: ([v], asker) => ({
        query: `mutation($v: ID!, $c: ID!) { setUsage(input: { customerId: $c, featureId: "api_calls", entityId: $v, usage: "0" }) { balance { id } userErrors { field code message } } }`,
        variables: { v, c: asker.customerId },
      }),
    },
    {
      name: 'createEntity on a foreign customer',
      values: (o) => [o.customerId],
      probe: ([v]) => ({
        query: `mutation($v: ID!) { createEntity(input: { customerId: $v, externalId: "intruder", featureId: "seats" }) { entity { id } userErrors { field code message } } }`,
        variables: { v },
      }),
    },
    {
      name: 'updateEntity',
      values: (o) => [o.entityId],
      probe: ([v]) => ({
        query:
          'mutation($v: ID!) { updateEntity(input: { id: $v, name: "Taken over" }) { entity { id } userErrors { field code message } } }',
        variables: { v },
      }),
    },
    {
      name: 'deleteEntity',
      values: (o) => [o.entityId],
      probe: ([v]) => ({
        query: 'mutation($v: ID!) { deleteEntity(input: { id: $v }) { deletedEntityId userErrors { field code message } } }',
        variables: { v },
      }),
    },
    {
      name: 'createReferralCode for a foreign customer',
      values: (o) => [o.customerId],
      probe: ([v]) => ({
        query: `mutation($v: ID!) { createReferralCode(input: { customerId: $v, programId: "friends" }) { referralCode { id code } userErrors { field code message } } }`,
        variables: { v },
      }),
    },
    {
      name: 'redeemReferralCode of a foreign code',
      values: (o) => [o.code],
      probe: ([v], asker) => ({
        query: `mutation($v: String!, $c: ID!) { redeemReferralCode(input: { code: $v, customerId: $c }) { referral { id } userErrors { field code message } } }`,
        variables: { v, c: asker.redeemerId },
      }),
    },
    {
      name: 'redeemReferralCode for a foreign customer',
      values: (o) => [o.redeemerId],
      probe: ([v], asker) => ({
        query: `mutation($v: ID!, $code: String!) { redeemReferralCode(input: { code: $code, customerId: $v }) { referral { id } userErrors { field code message } } }`,
        variables: { v, code: asker.code },
      }),
    },
  ];

  it('every write verb, with foreign customers, plans, subscriptions, entities and codes', async () => {
    const probes = tally(
      'Isolation (billing verbs): 17 writes naming foreign objects',
      'NOT_FOUND, as for an unknown value; nothing written',
    );
    const before = await snapshot();
    for (const write of WRITES) {
      for (const owner of tenants) {
        for (const observer of others(owner)) {
          const foreign = await expectSameAsUnknown(observer, write.values(owner), write.probe, `${write.name} on ${owner.name}`);
          expect(foreign.text, `${observer.name} ${write.name} on ${owner.name}`).toContain('"code":"NOT_FOUND"');
          probes.add(1);
        }
      }
    }
    expect(await snapshot()).toEqual(before);
    probes.record();
  });

  it('creating with another tenant’s plan id, externalId or entity externalId succeeds in the caller’s own tenant: uniqueness never reveals them', async () => {
    const ownersRows = async (owner: Tenant) => ({
      customer: await t.prisma.customer.findUnique({ where: { id: owner.customerId } }),
      plan: await t.prisma.plan.findFirst({
        where: { accountId: owner.accountId, env: owner.env, id: owner.planId },
        include: { features: true },
      }),
      entity: await t.prisma.entity.findUnique({ where: { id: owner.entityId } }),
    });
    let tries = 0;
    for (const owner of tenants) {
      const before = await ownersRows(owner);
      for (const observer of others(owner)) {
        const plan = await ok(
          observer.key,
          'mutation($input: CreatePlanInput!) { createPlan(input: $input) { plan { id name } userErrors { code } } }',
          { input: { id: owner.planId, name: 'Mine', features: [{ featureId: 'api_calls', included: '1', interval: 'DAY' }] } },
        );
        expect(plan.plan).toEqual({ id: owner.planId, name: 'Mine' });
        const upserted = await ok(
          observer.key,
          'mutation($input: UpsertCustomerInput!) { upsertCustomer(input: $input) { customer { id name } created userErrors { code } } }',
          { input: { externalId: owner.externalId, name: 'Mine' } },
        );
        expect(upserted.created).toBe(true);
        expect(upserted.customer.id).not.toBe(owner.customerId);
        const entity = await ok(
          observer.key,
          'mutation($input: CreateEntityInput!) { createEntity(input: $input) { entity { id externalId } userErrors { code } } }',
          { input: { customerId: upserted.customer.id, externalId: owner.entityExternalId } },
        );
        expect(entity.entity.id).not.toBe(owner.entityId);
        // Free the names again, so the next observer starts from the same state.
        await ok(observer.key, 'mutation($id: ID!) { deleteCustomer(input: { id: $id }) { userErrors { code } } }', {
          id: upserted.customer.id,
        });
        await ok(observer.key, 'mutation($id: String!) { archivePlan(input: { id: $id }) { userErrors { code } } }', { id: owner.planId });
        tries++;
      }
      expect(await ownersRows(owner)).toEqual(before);
      // What the owner itself sends still finds its own objects.
      const own = await ok(
        owner.key,
        'mutation($input: UpsertCustomerInput!) { upsertCustomer(input: $input) { customer { id } created userErrors { code } } }',
        { input: { externalId: owner.externalId } },
      );
      expect(own).toMatchObject({ customer: { id: owner.customerId }, created: false });
    }
    recordTrust({
      attack: 'Isolation (billing verbs): createPlan / upsertCustomer / createEntity reusing foreign ids',
      tries,
      outcome: "created in the caller's tenant; the owner's rows unchanged",
      rowsChanged: "0 of the owner's (a plan, customer and entity in the prober's own tenant each)",
      crossTenantReads: 0,
    });
  });
});

describe('subscriptions hear nothing of another tenant', () => {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const EVENTS = 'subscription { customerEvents { id type customerId } }';
  const CHANGED = 'subscription($id: ID!) { customerChanged(id: $id) { id name } }';
  const BALANCE = 'subscription($id: ID!) { balanceChanged(customerId: $id) { id featureId usage } }';

  it("customerEvents, customerChanged and balanceChanged over SSE, subscribed to everything or to the other tenant's customer", async () => {
    let tries = 0;
    for (const owner of tenants) {
      const watching: { observer: Tenant; all: SseSubscription; changed: SseSubscription; balance: SseSubscription }[] = others(owner).map(
        (observer) => ({
          observer,
          all: subscribeOverSse(t.app, observer.key, EVENTS),
          changed: subscribeOverSse(t.app, observer.key, CHANGED, { id: owner.customerId }),
          balance: subscribeOverSse(t.app, observer.key, BALANCE, { id: owner.customerId }),
        }),
      );
      const ownChanged = subscribeOverSse(t.app, owner.key, CHANGED, { id: owner.customerId });
      const ownBalance = subscribeOverSse(t.app, owner.key, BALANCE, { id: owner.customerId });
      for (const sub of [ownChanged, ownBalance, ...watching.flatMap((w) => [w.all, w.changed, w.balance])])
        expect(await sub.status()).toBe(200);
      await pause(300);
      await ok(owner.key, 'mutation($input: TrackUsageInput!) { trackUsage(input: $input) { balance { id } userErrors { code } } }', {
        input: { customerId: owner.customerId, featureId: 'api_calls', value: '1' },
      });
      await ok(
        owner.key,
        'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } userErrors { code } } }',
        {
          input: { id: owner.customerId, name: `Renamed ${randomToken(4)}` },
        },
      );
      // Each observer then writes to its own customer: its feed, in commit order, brings that after
      // anything of the owner's it would (wrongly) have heard.
      for (const { observer } of watching) {
        await ok(
          observer.key,
          'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } userErrors { code } } }',
          { input: { id: observer.customerId, name: `Own ${randomToken(4)}` } },
        );
      }
      await ownChanged.waitFor(2);
      await ownBalance.waitFor(1);
      for (const { all } of watching) await all.waitFor(1);
      await pause(300);
      for (const { observer, all, changed, balance } of watching) {
        expect(
          all.received.map((r) => r.data.customerEvents.customerId),
          `${observer.name} hearing ${owner.name}`,
        ).toEqual([observer.customerId]);
        expect(changed.received, `${observer.name} on ${owner.name}'s customerChanged`).toEqual([]);
        expect(balance.received, `${observer.name} on ${owner.name}'s balanceChanged`).toEqual([]);
        expect(JSON.stringify([all.errors, changed.errors, balance.errors])).not.toContain(owner.customerId);
        tries += 3;
      }
      expect(ownChanged.received.every((r) => r.data.customerChanged.id === owner.customerId)).toBe(true);
      await Promise.all([ownChanged, ownBalance, ...watching.flatMap((w) => [w.all, w.changed, w.balance])].map((sub) => sub.close()));
    }
    recordTrust({
      attack: "Isolation: SSE subscriptions (customerEvents, customerChanged, balanceChanged) during another tenant's writes",
      tries,
      outcome: "nothing of the other tenant's; own events delivered",
      rowsChanged: '0',
      crossTenantReads: 0,
    });
  });
});
