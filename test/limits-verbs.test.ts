import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLING_LIMITS, DEFAULT_LIMITS, TEXT_LIMITS } from '../src/config/limits.ts';
import { BIGINT_RANGE } from '../src/data/column-ranges.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from './helpers.ts';
import { subscribeOverSse } from './support/sse.ts';
import { recordTrust } from './support/trust-record.ts';

/**
 * The billing verbs' limits (src/config/limits.ts): each value is accepted at the limit and refused
 * one past it, naming the input, with nothing written; the document limits hold for subscriptions.
 */

let t: TestApp;
let customerId: string;
const refusals: Record<string, number> = {};

async function payloadOf(response: GraphQLResponse) {
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return Object.values(response.data ?? {})[0] as { userErrors: { field: string[]; code: string }[] } & Record<string, any>;
}

async function expectAccepted(query: string, input: Record<string, unknown>) {
  expect((await payloadOf(await t.request(query, { input }))).userErrors).toEqual([]);
}

async function expectRefused(query: string, input: Record<string, unknown>, field: string[], code: string) {
  const before = await t.prisma.event.count();
  const payload = await payloadOf(await t.request(query, { input }));
  expect(payload.userErrors).toContainEqual(expect.objectContaining({ field, code }));
  expect(await t.prisma.event.count()).toBe(before);
  refusals[code] = (refusals[code] ?? 0) + 1;
}

const CREATE_PLAN = 'mutation($input: CreatePlanInput!) { createPlan(input: $input) { plan { id } userErrors { field code } } }';
const ATTACH = 'mutation($input: AttachPlanInput!) { attachPlan(input: $input) { subscription { id } userErrors { field code } } }';
const TRACK = 'mutation($input: TrackUsageInput!) { trackUsage(input: $input) { balance { id } userErrors { field code } } }';
const CANCEL = 'mutation($id: ID!) { cancelSubscription(input: { id: $id }) { userErrors { code } } }';
const feature = (featureId: string, included = '1') => ({ featureId, included, interval: 'MONTH' });

beforeAll(async () => {
  t = await createTestApp();
  const created = await t.request('mutation { createCustomer(input: { name: "Limited" }) { customer { id } } }');
  customerId = created.data!.createCustomer.customer.id;
});
afterAll(() => t?.close());

describe('billing limits: at the limit answered, one past it refused', () => {
  it(`plan name ${TEXT_LIMITS.planName} characters; plan, feature and programme ids ${TEXT_LIMITS.key}`, async () => {
    await expectAccepted(CREATE_PLAN, { id: 'n'.repeat(TEXT_LIMITS.key), name: 'x'.repeat(TEXT_LIMITS.planName), features: [] });
    await expectRefused(
      CREATE_PLAN,
      { id: 'named', name: 'x'.repeat(TEXT_LIMITS.planName + 1), features: [] },
      ['input', 'name'],
      'TOO_LONG',
    );
    await expectRefused(CREATE_PLAN, { id: 'n'.repeat(TEXT_LIMITS.key + 1), name: 'Long id', features: [] }, ['input', 'id'], 'TOO_LONG');
    await expectAccepted(CREATE_PLAN, { id: 'long_feature', name: 'Long feature', features: [feature('f'.repeat(TEXT_LIMITS.key))] });
    await expectRefused(
      CREATE_PLAN,
      { id: 'longer_feature', name: 'Longer feature', features: [feature('f'.repeat(TEXT_LIMITS.key + 1))] },
      ['input', 'features', '0', 'featureId'],
      'TOO_LONG',
    );
    const referral = 'mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { userErrors { field code } } }';
    await expectAccepted(referral, { customerId, programId: 'p'.repeat(TEXT_LIMITS.key) });
    await expectRefused(referral, { customerId, programId: 'p'.repeat(TEXT_LIMITS.key + 1) }, ['input', 'programId'], 'TOO_LONG');
  });

  it(`${BILLING_LIMITS.featuresPerPlan} features a plan; included up to ${BIGINT_RANGE.max}`, async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => feature(`feature_${i}`));
    await expectAccepted(CREATE_PLAN, { id: 'wide', name: 'Wide', features: many(BILLING_LIMITS.featuresPerPlan) });
    await expectRefused(
      CREATE_PLAN,
      { id: 'wider', name: 'Wider', features: many(BILLING_LIMITS.featuresPerPlan + 1) },
      ['input', 'features'],
      'INVALID',
    );
    await expectAccepted(CREATE_PLAN, { id: 'max', name: 'Max', features: [feature('big', String(BIGINT_RANGE.max))] });
    await expectRefused(
      CREATE_PLAN,
      { id: 'past_max', name: 'Past max', features: [feature('big', String(BIGINT_RANGE.max + 1n))] },
      ['input', 'features', '0', 'included'],
      'TOO_LARGE',
    );
  });

  it(`quantity up to ${BILLING_LIMITS.quantity}, trials up to ${BILLING_LIMITS.trialDays} days, and grants that would pass ${BIGINT_RANGE.max}`, async () => {
    await expectAccepted(CREATE_PLAN, { id: 'seat', name: 'Seat', features: [feature('seats', '2')] });
    await expectRefused(ATTACH, { customerId, planId: 'seat', quantity: BILLING_LIMITS.quantity + 1 }, ['input', 'quantity'], 'INVALID');
    await expectRefused(ATTACH, { customerId, planId: 'seat', trialDays: BILLING_LIMITS.trialDays + 1 }, ['input', 'trialDays'], 'INVALID');
    const attached = await payloadOf(
      await t.request(ATTACH, {
        input: { customerId, planId: 'seat', quantity: BILLING_LIMITS.quantity, trialDays: BILLING_LIMITS.trialDays },
      }),
    );
    expect(attached.userErrors).toEqual([]);
    expect((await t.prisma.balance.findFirstOrThrow({ where: { customerId, featureId: 'seats' } })).granted).toBe(
      2n * BigInt(BILLING_LIMITS.quantity),
    );
    // The largest grant times any quantity past 1 passes what a balance holds.
    await expectRefused(ATTACH, { customerId, planId: 'max', quantity: 2 }, ['input', 'quantity'], 'TOO_LARGE');
    await expectAccepted(ATTACH, { customerId, planId: 'max' });
    await expectRefused(TRACK, { customerId, featureId: 'big', value: String(BIGINT_RANGE.max + 1n) }, ['input', 'value'], 'TOO_LARGE');
    await expectRefused(TRACK, { customerId, featureId: 'big', value: String(BIGINT_RANGE.min - 1n) }, ['input', 'value'], 'TOO_LARGE');
    // A meter that would take usage past what a balance holds is refused by the statement itself, changing nothing.
    await expectAccepted(TRACK, { customerId, featureId: 'big', value: String(BIGINT_RANGE.min) });
    await expectRefused(TRACK, { customerId, featureId: 'big', value: '-1' }, ['input', 'value'], 'TOO_LARGE');
    const retried = await t.request(
      TRACK,
      { input: { customerId, featureId: 'big', value: '-1' } },
      { headers: { 'Idempotency-Key': 'past-min' } },
    );
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.trackUsage.userErrors).toEqual([expect.objectContaining({ field: ['input', 'value'], code: 'TOO_LARGE' })]);
    expect((await t.prisma.balance.findFirstOrThrow({ where: { customerId, featureId: 'big' } })).usage).toBe(BIGINT_RANGE.min);
    await t.request(CANCEL, { id: attached.subscription.id });
  });

  it(`${BILLING_LIMITS.plans} plans an environment`, async () => {
    const { accountId } = t.merchant;
    const existing = await t.prisma.plan.count({ where: { accountId, env: 'TEST' } });
    // The catalog filled up to one short of the limit directly: a thousand createPlan calls add nothing to what is tested.
    await t.prisma.plan.createMany({
      data: Array.from({ length: BILLING_LIMITS.plans - existing - 1 }, (_, i) => ({
        accountId,
        env: 'TEST' as const,
        id: `bulk_${i}`,
        name: 'Bulk',
      })),
    });
    await expectAccepted(CREATE_PLAN, { id: 'last_one', name: 'Last one', features: [] });
    await expectRefused(CREATE_PLAN, { id: 'one_more', name: 'One more', features: [] }, ['input', 'id'], 'INVALID');
    // Another environment has a catalog of its own.
    const live = await t.request(CREATE_PLAN, { input: { id: 'one_more', name: 'One more', features: [] } }, { key: t.merchant.liveKey });
    expect((await payloadOf(live)).userErrors).toEqual([]);
    const listed = await t.request('{ plans { id } }');
    expect(listed.data?.plans).toHaveLength(BILLING_LIMITS.plans);
  });
});

describe('document limits hold for subscriptions', () => {
  /** A subscription document exactly `depth` fields deep: customerEvents → customer → referrals → referredCustomer… */
  function deepSubscription(depth: number): string {
    let selection = 'id';
    for (let level = depth - 1; level >= 3; level--)
      selection = level % 2 === 1 ? `referrals { ${selection} }` : `referredCustomer { ${selection} }`;
    return `subscription { customerEvents { customer { ${selection} } } }`;
  }

  it(`depth: ${DEFAULT_LIMITS.maxDepth} levels subscribe, one more is MAX_DEPTH_EXCEEDED before anything streams`, async () => {
    const within = subscribeOverSse(t.app, t.merchant.testKey, deepSubscription(DEFAULT_LIMITS.maxDepth));
    expect(await within.status()).toBe(200);
    await t.request('mutation($id: ID!) { updateCustomer(input: { id: $id, name: "Deep" }) { userErrors { code } } }', { id: customerId });
    await within.waitFor(1);
    await within.close();
    expect(within.errors).toEqual([]);
    const past = subscribeOverSse(t.app, t.merchant.testKey, deepSubscription(DEFAULT_LIMITS.maxDepth + 1));
    expect(await past.status()).toBe(400);
    await past.close();
    expect(past.text()).toContain('MAX_DEPTH_EXCEEDED');
    refusals.MAX_DEPTH_EXCEEDED = (refusals.MAX_DEPTH_EXCEEDED ?? 0) + 1;
  });

  it('cost: a subscription that could load more than the limit is refused before anything streams', async () => {
    // 100 invoices, each with its customer's 100 events: more than the limit of objects, within the depth.
    const costly = `subscription($id: ID!) { customerChanged(id: $id) { invoices(first: 100) { edges { node {
      customer { events(first: 100) { edges { node { id } } } } } } } } }`;
    const refused = subscribeOverSse(t.app, t.merchant.testKey, costly, { id: customerId });
    expect(await refused.status()).toBe(400);
    await refused.close();
    expect(refused.text()).toContain('COST_LIMIT_EXCEEDED');
    refusals.COST_LIMIT_EXCEEDED = (refusals.COST_LIMIT_EXCEEDED ?? 0) + 1;
  });

  afterAll(() => {
    recordTrust({
      attack: "Limits of the billing verbs' inputs (names, ids, features, amounts, quantity, trials, plans) and of subscription documents",
      tries: Object.values(refusals).reduce((sum, n) => sum + n, 0),
      outcome: Object.entries(refusals)
        .map(([code, n]) => `${n} × ${code}`)
        .join(', '),
      rowsChanged: '0 by a refusal',
    });
  });
});
