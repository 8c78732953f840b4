// The billing verbs as an integrator uses them, through the public API: sign-up by externalId,
// a plan, attach, access, metering to the limit and past it, seats, referrals, cancel, delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueWork } from '../src/resolvers/schedules.ts';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const ERRORS = 'userErrors { field code message }';
const BALANCE = 'id featureId granted usage remaining unlimited overageAllowed interval nextResetAt entity { id }';

async function mutate(query: string, input: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await t.request(query, { input }, { headers });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return Object.values(res.data!)[0] as Record<string, any>;
}

const UPSERT = `mutation($input: UpsertCustomerInput!) { upsertCustomer(input: $input) { customer { id externalId name email version } created ${ERRORS} } }`;
const CREATE_PLAN = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { plan { id name archived features { featureId included unlimited overageAllowed interval } } ${ERRORS} } }`;
const ATTACH = `mutation($input: AttachPlanInput!) { attachPlan(input: $input) {
  subscription { id planId status quantity trialEndsAt currentPeriodStart currentPeriodEnd plan { id } customer { id } entity { id } }
  customer { id balances { ${BALANCE} } } ${ERRORS} } }`;
const TRACK = `mutation($input: TrackUsageInput!) { trackUsage(input: $input) { balance { ${BALANCE} } ${ERRORS} } }`;
const SET = `mutation($input: SetUsageInput!) { setUsage(input: $input) { balance { ${BALANCE} } ${ERRORS} } }`;
const ACCESS = `query($id: ID!, $feature: String!, $required: BigInt, $entityId: ID) {
  customer(id: $id) { access(featureId: $feature, requiredBalance: $required, entityId: $entityId) { allowed code balance { usage remaining } } } }`;
const CREATE_ENTITY = `mutation($input: CreateEntityInput!) { createEntity(input: $input) { entity { id externalId name featureId customer { id } } ${ERRORS} } }`;
const DELETE_ENTITY = `mutation($input: DeleteEntityInput!) { deleteEntity(input: $input) { deletedEntityId ${ERRORS} } }`;
const CANCEL = `mutation($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) { subscription { id status canceledAt expiresAt } ${ERRORS} } }`;
const CODE = `mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { referralCode { id code programId customer { id } } ${ERRORS} } }`;
const REDEEM = `mutation($input: RedeemReferralCodeInput!) { redeemReferralCode(input: $input) {
  referral { id programId code redeemedAt customer { id } referredCustomer { id } reward { type percentOff duration } } ${ERRORS} } }`;

async function newCustomer(externalId: string) {
  const upserted = await mutate(UPSERT, { externalId, email: `${externalId}@example.com` });
  return upserted.customer.id as string;
}

const eventsOf = async (customerId: string) =>
  (await t.prisma.event.findMany({ where: { customerId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => e.type);

describe('your own id', () => {
  it('upsertCustomer creates, then updates the same customer, and customerByExternalId finds it', async () => {
    const first = await mutate(UPSERT, { externalId: 'user_42', name: 'Ada', email: 'ada@example.com' });
    expect(first).toMatchObject({ created: true, userErrors: [], customer: { externalId: 'user_42', name: 'Ada', version: 1 } });
    const again = await mutate(UPSERT, { externalId: 'user_42', name: 'Ada Lovelace' });
    expect(again).toMatchObject({
      created: false,
      userErrors: [],
      customer: { id: first.customer.id, name: 'Ada Lovelace', email: 'ada@example.com', version: 2 },
    });
    const found = await t.request('query($e: String!) { customerByExternalId(externalId: $e) { id name } }', { e: 'user_42' });
    expect(found.data!.customerByExternalId).toEqual({ id: first.customer.id, name: 'Ada Lovelace' });
    const none = await t.request('query($e: String!) { customerByExternalId(externalId: $e) { id } }', { e: 'USER_42' });
    expect(none.data!.customerByExternalId).toBeNull();
    expect(await eventsOf(first.customer.id)).toEqual(['CUSTOMER_CREATED', 'CUSTOMER_UPDATED']);
  });

  it("another tenant's externalId is not found", async () => {
    await newCustomer('shared_id');
    const other = await t.request('{ customerByExternalId(externalId: "shared_id") { id } }', {}, { key: t.otherMerchant.testKey });
    expect(other.data!.customerByExternalId).toBeNull();
  });

  it('50 concurrent upserts of one externalId leave one customer', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => t.request(UPSERT, { input: { externalId: 'race_1', name: `Name ${i}` } })),
    );
    for (const answer of answers) expect(answer.data!.upsertCustomer.userErrors).toEqual([]);
    const ids = new Set(answers.map((a) => a.data!.upsertCustomer.customer.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.data!.upsertCustomer.created)).toHaveLength(1);
    expect(await t.prisma.customer.count({ where: { externalId: 'race_1' } })).toBe(1);
  });

  it('refuses an upsert without a valid externalId, every error at once', async () => {
    const refused = await mutate(UPSERT, { externalId: 'has space', email: 'not-an-email', currency: 'EURO' });
    expect(refused.customer).toBeNull();
    expect(refused.userErrors.map((e: { field: string[] }) => e.field.join('.')).sort()).toEqual([
      'input.currency',
      'input.email',
      'input.externalId',
    ]);
  });
});

describe('plans, attach, access, metering', () => {
  let customerId: string;

  beforeAll(async () => {
    customerId = await newCustomer('meter_1');
    const created = await mutate(CREATE_PLAN, {
      id: 'pro',
      name: 'Pro',
      features: [
        { featureId: 'api_calls', included: '100', interval: 'MONTH' },
        { featureId: 'seats', included: '2', interval: 'ONE_OFF' },
        { featureId: 'exports', unlimited: true, interval: 'MONTH' },
      ],
    });
    expect(created.userErrors).toEqual([]);
  });

  it('lists the catalog and refuses a second plan with the same id', async () => {
    const list = await t.request('{ plans { id name features { featureId included } } plan(id: "pro") { id archived } }');
    expect(list.data!.plans.map((p: { id: string }) => p.id)).toContain('pro');
    expect(list.data!.plan).toEqual({ id: 'pro', archived: false });
    const again = await mutate(CREATE_PLAN, { id: 'pro', name: 'Pro again', features: [] });
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'PLAN_ID_TAKEN', field: ['input', 'id'] })]);
  });

  it('attaches a plan: the subscription, its grants and its event; a second attach is ALREADY_ATTACHED', async () => {
    const attached = await mutate(ATTACH, { customerId, planId: 'pro' });
    expect(attached.userErrors).toEqual([]);
    expect(attached.subscription).toMatchObject({
      planId: 'pro',
      status: 'ACTIVE',
      quantity: 1,
      plan: { id: 'pro' },
      customer: { id: customerId },
      entity: null,
    });
    const byFeature = Object.fromEntries(attached.customer.balances.map((b: { featureId: string }) => [b.featureId, b]));
    expect(byFeature.api_calls).toMatchObject({ granted: '100', usage: '0', remaining: '100', interval: 'MONTH' });
    expect(byFeature.api_calls.nextResetAt).not.toBeNull();
    expect(byFeature.exports).toMatchObject({ unlimited: true });
    const again = await mutate(ATTACH, { customerId, planId: 'pro' });
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'ALREADY_ATTACHED', field: ['input', 'planId'] })]);
    expect(await eventsOf(customerId)).toEqual(['CUSTOMER_CREATED', 'SUBSCRIPTION_CREATED']);
  });

  it('meters to the limit and refuses past it, with nothing changed', async () => {
    expect((await t.request(ACCESS, { id: customerId, feature: 'api_calls', required: '100' })).data!.customer.access).toEqual({
      allowed: true,
      code: null,
      balance: { usage: '0', remaining: '100' },
    });
    const tracked = await mutate(TRACK, { customerId, featureId: 'api_calls', value: '99' });
    expect(tracked.balance).toMatchObject({ usage: '99', remaining: '1' });
    expect((await mutate(TRACK, { customerId, featureId: 'api_calls' })).balance).toMatchObject({ usage: '100', remaining: '0' });
    const refused = await mutate(TRACK, { customerId, featureId: 'api_calls' });
    expect(refused).toEqual({
      balance: null,
      userErrors: [{ field: ['input', 'value'], code: 'INSUFFICIENT_BALANCE', message: expect.stringContaining('has 0 left') }],
    });
    expect((await t.request(ACCESS, { id: customerId, feature: 'api_calls' })).data!.customer.access).toEqual({
      allowed: false,
      code: 'INSUFFICIENT_BALANCE',
      balance: { usage: '100', remaining: '0' },
    });
    expect((await mutate(TRACK, { customerId, featureId: 'api_calls', value: '-10' })).balance).toMatchObject({ usage: '90' });
    expect((await mutate(TRACK, { customerId, featureId: 'exports', value: '1000000' })).balance).toMatchObject({ usage: '1000000' });
    const noBalance = await mutate(TRACK, { customerId, featureId: 'sms' });
    expect(noBalance.userErrors).toEqual([expect.objectContaining({ code: 'NO_BALANCE', field: ['input', 'featureId'] })]);
    expect((await t.request(ACCESS, { id: customerId, feature: 'sms' })).data!.customer.access).toEqual({
      allowed: false,
      code: 'NO_BALANCE',
      balance: null,
    });
    const events = await eventsOf(customerId);
    expect(events.filter((type) => type === 'USAGE_TRACKED')).toHaveLength(4);
  });

  it('setUsage sets usage absolutely, within the grant', async () => {
    expect((await mutate(SET, { customerId, featureId: 'api_calls', usage: '5' })).balance).toMatchObject({ usage: '5', remaining: '95' });
    const past = await mutate(SET, { customerId, featureId: 'api_calls', usage: '101' });
    expect(past.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_BALANCE', field: ['input', 'usage'] })]);
    const negative = await mutate(SET, { customerId, featureId: 'api_calls', usage: '-1' });
    expect(negative.userErrors).toEqual([expect.objectContaining({ code: 'INVALID', field: ['input', 'usage'] })]);
  });

  it('resets a balance whose nextResetAt passed: reads see 0, the next track starts from 0, once', async () => {
    const balance = (await t.prisma.balance.findFirst({ where: { customerId, featureId: 'api_calls', entityId: null } }))!;
    const due = new Date(Date.UTC(2026, 0, 31, 12));
    await t.prisma.balance.update({ where: { id: balance.id }, data: { usage: 100n, nextResetAt: due } });
    const read = await t.request(
      `query($id: ID!) { customer(id: $id) { balance(featureId: "api_calls") { usage remaining nextResetAt } } }`,
      { id: customerId },
    );
    const next = read.data!.customer.balance.nextResetAt as string;
    expect(read.data!.customer.balance).toMatchObject({ usage: '0', remaining: '100' });
    expect(new Date(next).getTime()).toBeGreaterThan(Date.now());
    // A month from the 31st: the last day of a short month, then the 31st again, never drifting.
    expect(next.slice(8)).toMatch(/^(28|29|30|31)T12:00:00\.000Z$/);
    const tracked = await Promise.all([1, 2, 3].map(() => t.request(TRACK, { input: { customerId, featureId: 'api_calls' } })));
    expect(tracked.every((r) => r.data!.trackUsage.userErrors.length === 0)).toBe(true);
    const stored = (await t.prisma.balance.findUnique({ where: { id: balance.id } }))!;
    expect(stored.usage).toBe(3n);
    expect(stored.nextResetAt!.toISOString()).toBe(next);
  });

  it('an Idempotency-Key makes a retried track count once', async () => {
    await mutate(SET, { customerId, featureId: 'api_calls', usage: '0' });
    const headers = { 'idempotency-key': 'track-once-1' };
    const first = await mutate(TRACK, { customerId, featureId: 'api_calls', value: '7' }, headers);
    const retry = await mutate(TRACK, { customerId, featureId: 'api_calls', value: '7' }, headers);
    expect(first.balance.usage).toBe('7');
    expect(retry).toEqual(first);
    const reused = await mutate(TRACK, { customerId, featureId: 'api_calls', value: '8' }, headers);
    expect(reused.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);
  });

  it('refuses bad input with every error at once and a tombstone with NOT_FOUND', async () => {
    const bad = await mutate(TRACK, { customerId: 'nope', featureId: 'has space', value: '0' });
    expect(bad.userErrors.map((e: { field: string[] }) => e.field.join('.')).sort()).toEqual([
      'input.customerId',
      'input.featureId',
      'input.value',
    ]);
    const unknown = await mutate(TRACK, { customerId: 'cus_000000000000000000000000', featureId: 'api_calls' });
    expect(unknown.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'customerId'] })]);
    const other = await t.request(TRACK, { input: { customerId, featureId: 'api_calls' } }, { key: t.otherMerchant.testKey });
    expect(other.data!.trackUsage.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
  });
});

describe('seats, cancel, archive', () => {
  let customerId: string;

  beforeAll(async () => {
    customerId = await newCustomer('seats_1');
    await mutate(CREATE_PLAN, {
      id: 'team',
      name: 'Team',
      features: [
        { featureId: 'seats', included: '2', interval: 'ONE_OFF' },
        { featureId: 'ai_credits', included: '50', interval: 'MONTH' },
      ],
    });
    expect((await mutate(ATTACH, { customerId, planId: 'team' })).userErrors).toEqual([]);
  });

  it('takes a seat per entity, refuses past the grant, gives it back on delete', async () => {
    const first = await mutate(CREATE_ENTITY, { customerId, externalId: 'ws_1', name: 'One', featureId: 'seats' });
    const second = await mutate(CREATE_ENTITY, { customerId, externalId: 'ws_2', featureId: 'seats' });
    expect(first.entity).toMatchObject({ externalId: 'ws_1', featureId: 'seats', customer: { id: customerId } });
    expect(second.userErrors).toEqual([]);
    const third = await mutate(CREATE_ENTITY, { customerId, externalId: 'ws_3', featureId: 'seats' });
    expect(third.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_BALANCE', field: ['input', 'featureId'] })]);
    expect(await t.prisma.entity.count({ where: { customerId } })).toBe(2);
    const dup = await mutate(CREATE_ENTITY, { customerId, externalId: 'ws_1' });
    expect(dup.userErrors).toEqual([expect.objectContaining({ code: 'EXTERNAL_ID_TAKEN' })]);
    const found = await t.request(
      'query($id: ID!) { customer(id: $id) { entity(externalId: "ws_2") { id } balance(featureId: "seats") { usage } } }',
      { id: customerId },
    );
    expect(found.data!.customer).toEqual({ entity: { id: second.entity.id }, balance: { usage: '2' } });
    // A plan attached to the entity: its own balances, gone with it.
    const attached = await mutate(ATTACH, { customerId, planId: 'team', entityId: first.entity.id });
    expect(attached.subscription.entity).toEqual({ id: first.entity.id });
    expect((await mutate(TRACK, { customerId, featureId: 'ai_credits', entityId: first.entity.id, value: '5' })).balance).toMatchObject({
      usage: '5',
      entity: { id: first.entity.id },
    });
    const deleted = await mutate(DELETE_ENTITY, { id: first.entity.id });
    expect(deleted).toEqual({ deletedEntityId: first.entity.id, userErrors: [] });
    expect(await t.prisma.balance.count({ where: { entityId: first.entity.id } })).toBe(0);
    expect(await t.prisma.subscription.count({ where: { entityId: first.entity.id } })).toBe(0);
    expect((await mutate(CREATE_ENTITY, { customerId, externalId: 'ws_3', featureId: 'seats' })).userErrors).toEqual([]);
    const events = await eventsOf(customerId);
    expect(events.filter((e) => e.startsWith('ENTITY_'))).toEqual(['ENTITY_CREATED', 'ENTITY_CREATED', 'ENTITY_DELETED', 'ENTITY_CREATED']);
  });

  it('cancels at period end (still active), then now (grants taken back)', async () => {
    const subscription = (await t.prisma.subscription.findFirst({ where: { customerId, planId: 'team', entityId: null } }))!;
    const later = await mutate(CANCEL, { id: subscription.id, atPeriodEnd: true });
    expect(later.subscription).toMatchObject({ status: 'ACTIVE', expiresAt: subscription.currentPeriodEnd!.toISOString() });
    expect((await mutate(CANCEL, { id: subscription.id, atPeriodEnd: true })).userErrors).toEqual([
      expect.objectContaining({ code: 'ALREADY_CANCELED' }),
    ]);
    const now = await mutate(CANCEL, { id: subscription.id });
    expect(now.subscription.status).toBe('CANCELED');
    expect(await t.prisma.balance.count({ where: { customerId, entityId: null } })).toBe(0);
    expect((await mutate(CANCEL, { id: subscription.id })).userErrors).toEqual([expect.objectContaining({ code: 'ALREADY_CANCELED' })]);
  });

  it('an archived plan stays on its subscriptions and cannot be attached', async () => {
    const other = await newCustomer('archive_1');
    await mutate(ATTACH, { customerId: other, planId: 'team' });
    const archived = await mutate(
      'mutation($input: ArchivePlanInput!) { archivePlan(input: $input) { plan { id archived } userErrors { code } } }',
      { id: 'team' },
    );
    expect(archived.plan).toEqual({ id: 'team', archived: true });
    const refused = await mutate(ATTACH, { customerId: await newCustomer('archive_2'), planId: 'team' });
    expect(refused.userErrors).toEqual([expect.objectContaining({ code: 'PLAN_ARCHIVED' })]);
    const kept = await t.request('query($id: ID!) { customer(id: $id) { subscriptions { planId status plan { archived } } } }', {
      id: other,
    });
    expect(kept.data!.customer.subscriptions).toEqual([{ planId: 'team', status: 'ACTIVE', plan: { archived: true } }]);
    expect((await t.request('{ plans { id } }')).data!.plans.map((p: { id: string }) => p.id)).not.toContain('team');
  });
});

describe('referrals', () => {
  it('makes one code per programme, redeems it once per programme, never for its owner', async () => {
    const referrer = await newCustomer('referrer_1');
    const friend = await newCustomer('friend_1');
    const code = await mutate(CODE, { customerId: referrer, programId: 'friends' });
    expect(code.referralCode).toMatchObject({ programId: 'friends', customer: { id: referrer } });
    expect(code.referralCode.code).toMatch(/^[A-Z0-9]{8}$/);
    expect((await mutate(CODE, { customerId: referrer, programId: 'friends' })).referralCode.id).toBe(code.referralCode.id);
    const self = await mutate(REDEEM, { code: code.referralCode.code, customerId: referrer });
    expect(self.userErrors).toEqual([expect.objectContaining({ code: 'SELF_REFERRAL' })]);
    const redeemed = await mutate(REDEEM, { code: code.referralCode.code.toLowerCase(), customerId: friend });
    expect(redeemed.referral).toMatchObject({
      programId: 'friends',
      customer: { id: referrer },
      referredCustomer: { id: friend },
      reward: { type: 'PERCENTAGE_DISCOUNT', percentOff: 10, duration: 'ONCE' },
    });
    const twice = await mutate(REDEEM, { code: code.referralCode.code, customerId: friend });
    expect(twice.userErrors).toEqual([expect.objectContaining({ code: 'ALREADY_REDEEMED' })]);
    expect((await mutate(REDEEM, { code: 'NOSUCHCODE', customerId: friend })).userErrors).toEqual([
      expect.objectContaining({ code: 'NOT_FOUND' }),
    ]);
    expect(await eventsOf(referrer)).toEqual(['CUSTOMER_CREATED', 'REFERRAL_CODE_CREATED', 'REFERRAL_REDEEMED']);
  });
});

describe('what comes due with time', () => {
  it('stores due resets once, and ends subscriptions set to end at their period end, taking back their grants', async () => {
    const customerId = await newCustomer('due_1');
    await mutate(CREATE_PLAN, { id: 'due', name: 'Due', features: [{ featureId: 'calls', included: '10', interval: 'DAY' }] });
    const attached = await mutate(ATTACH, { customerId, planId: 'due' });
    await mutate(TRACK, { customerId, featureId: 'calls', value: '4' });
    const past = new Date(Date.now() - 3 * 86_400_000 - 1000);
    await t.prisma.balance.updateMany({ where: { customerId }, data: { nextResetAt: past } });
    await runDueWork(t.prisma);
    const reset = (await t.prisma.balance.findFirst({ where: { customerId } }))!;
    expect(reset.usage).toBe(0n);
    expect(reset.nextResetAt!.getTime() - past.getTime()).toBe(4 * 86_400_000);
    await runDueWork(t.prisma);
    expect((await t.prisma.balance.findFirst({ where: { customerId } }))!.nextResetAt).toEqual(reset.nextResetAt);

    await mutate(CANCEL, { id: attached.subscription.id, atPeriodEnd: true });
    await t.prisma.subscription.update({ where: { id: attached.subscription.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await runDueWork(t.prisma);
    expect((await t.prisma.subscription.findUnique({ where: { id: attached.subscription.id } }))!.status).toBe('CANCELED');
    expect(await t.prisma.balance.count({ where: { customerId } })).toBe(0);
  });
});

describe('delete after the verbs, as Stripe does it', () => {
  it('cancels subscriptions, drops balances, entities and codes, erases personal values from every event', async () => {
    const customerId = await newCustomer('leaving_1');
    await mutate(CREATE_PLAN, { id: 'leaving', name: 'Leaving', features: [{ featureId: 'seats', included: '3', interval: 'ONE_OFF' }] });
    await mutate(ATTACH, { customerId, planId: 'leaving' });
    await mutate(CREATE_ENTITY, { customerId, externalId: 'grace@example.com', name: 'Grace', featureId: 'seats' });
    await mutate(CODE, { customerId, programId: 'friends' });
    const deleted = await mutate(
      'mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { deletedCustomerId userErrors { code } } }',
      {
        id: customerId,
      },
    );
    expect(deleted.userErrors).toEqual([]);
    const read = await t.request(
      'query($id: ID!) { customer(id: $id) { deleted subscriptions { status } balances { id } entities { id } referralCodes { id } } }',
      { id: customerId },
    );
    expect(read.data!.customer).toEqual({
      deleted: true,
      subscriptions: [{ status: 'CANCELED' }],
      balances: [],
      entities: [],
      referralCodes: [],
    });
    const history = JSON.stringify(await t.prisma.event.findMany({ where: { customerId } }));
    expect(history).not.toContain('grace@example.com');
    expect(history).not.toContain('leaving_1');
    expect(await eventsOf(customerId)).toContain('ENTITY_CREATED');
  });
});
