import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/domain/ids.ts';
import { Prisma } from '../src/generated/prisma/client.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { recordTrust } from './support/trust-record.ts';

/**
 * Random input to every billing verb, half plausible and half anything a client could send: the
 * answer is a success or a refusal a client can read (a coded 4xx, or userErrors), never a 5xx or
 * INTERNAL_SERVER_ERROR, and a refused write leaves every table exactly as it was.
 */

const RUNS = 40;
/** Random each run, as fuzzing should be; a failure prints its seed, and FUZZ_SEED=… replays it. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let t: TestApp;
/** Real values of the caller's tenant, another tenant's, and unknown ones, for the plausible half of the inputs. */
const pool = {
  customerIds: [] as string[],
  entityIds: [] as string[],
  subscriptionIds: [] as string[],
  planIds: ['fz_plan', 'fz_addon', 'fz_archived', 'pro', 'unknown_plan'],
  featureIds: ['api_calls', 'seats', 'storage_gb', 'nope'],
  codes: [] as string[],
};

async function ok(key: string, query: string, variables: Record<string, unknown>) {
  const answer = await t.request(query, variables, { key });
  expect(answer.errors, query).toBeUndefined();
  const [payload] = Object.values(answer.data ?? {}) as Record<string, any>[];
  expect(payload.userErrors, query).toEqual([]);
  return payload;
}

beforeAll(async () => {
  t = await createTestApp();
  const plan = (id: string, features: unknown[]) =>
    ok(t.merchant.testKey, 'mutation($input: CreatePlanInput!) { createPlan(input: $input) { userErrors { code } } }', {
      input: { id, name: id, features },
    });
  await plan('fz_plan', [
    { featureId: 'api_calls', included: '50', interval: 'MONTH' },
    { featureId: 'seats', included: '3', interval: 'ONE_OFF' },
  ]);
  await plan('fz_addon', [{ featureId: 'storage_gb', included: '10', overageAllowed: true, interval: 'ONE_OFF' }]);
  await plan('fz_archived', [{ featureId: 'api_calls', included: '1', unlimited: true, interval: 'DAY' }]);
  await ok(t.merchant.testKey, 'mutation { archivePlan(input: { id: "fz_archived" }) { userErrors { code } } }', {});
  for (const key of [t.merchant.testKey, t.otherMerchant.testKey]) {
    for (let i = 0; i < 2; i++) {
      const { customer } = await ok(
        key,
        'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code } } }',
        { input: { name: `Fuzzed ${i}`, externalId: `fz_${i}` } },
      );
      pool.customerIds.push(customer.id);
      if (key !== t.merchant.testKey) continue;
      const { subscription } = await ok(
        key,
        'mutation($input: AttachPlanInput!) { attachPlan(input: $input) { subscription { id } userErrors { code } } }',
        { input: { customerId: customer.id, planId: 'fz_plan' } },
      );
      pool.subscriptionIds.push(subscription.id);
      const { entity } = await ok(
        key,
        'mutation($input: CreateEntityInput!) { createEntity(input: $input) { entity { id } userErrors { code } } }',
        { input: { customerId: customer.id, externalId: `ws_${i}`, featureId: 'seats' } },
      );
      pool.entityIds.push(entity.id);
      const { referralCode } = await ok(
        key,
        'mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { referralCode { code } userErrors { code } } }',
        { input: { customerId: customer.id, programId: 'friends' } },
      );
      pool.codes.push(referralCode.code);
    }
  }
  pool.customerIds.push(newId('Customer'), 'cus_', 'ent_nope');
  pool.entityIds.push(newId('Entity'), pool.customerIds[0]);
  pool.subscriptionIds.push(newId('Subscription'), pool.entityIds[0]);
  pool.codes.push('NOPE1234', pool.codes[0].toLowerCase(), '');
});
afterAll(() => t?.close());

/** A digest of every table a billing verb may write: equal digests, equal rows. */
async function fingerprint(): Promise<string> {
  const tables = [
    'Customer',
    'CustomerTally',
    'Plan',
    'PlanFeature',
    'Subscription',
    'Balance',
    'Entity',
    'Purchase',
    'ReferralCode',
    'Referral',
    'Reward',
    'TrialUsed',
    'Event',
    'IdempotencyKey',
  ];
  const digests = Prisma.join(
    tables.map(
      (table) => Prisma.sql`(SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), '')) FROM ${Prisma.raw(`"${table}"`)} r)`,
    ),
    ' || ',
  );
  const [{ digest }] = await t.prisma.$queryRaw<{ digest: string }[]>`SELECT ${digests} AS digest`;
  return digest;
}

/** Anything a client could send in a field's place. */
const anything = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ maxLength: 80 }),
  fc.string({ minLength: 200, maxLength: 400 }),
  fc.bigInt().map(String),
  fc.integer().map(String),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '1e3', '-0', '0x10', '9223372036854775807', '9223372036854775808', '-9223372036854775809'),
);

/** A field's value: plausible (from the pool) half the time, anything otherwise. */
const field = (plausible: fc.Arbitrary<unknown>) => fc.oneof(plausible, anything);
const customerId = () => field(fc.constantFrom(...pool.customerIds));
const entityId = () => field(fc.constantFrom(...pool.entityIds));
const planId = () => field(fc.constantFrom(...pool.planIds));
const featureId = () => field(fc.constantFrom(...pool.featureIds));
const amount = () => field(fc.bigInt({ min: -200n, max: 200n }).map(String));
const name = () => field(fc.string({ maxLength: 30 }));
const flag = () => field(fc.boolean());
const count = () => field(fc.integer({ min: -2, max: 20 }));
const interval = () => field(fc.constantFrom('ONE_OFF', 'DAY', 'WEEK', 'MONTH', 'YEAR', 'HOUR'));
const features = () =>
  field(
    fc.array(fc.record({ featureId: featureId(), included: amount(), unlimited: flag(), overageAllowed: flag(), interval: interval() }), {
      maxLength: 4,
    }),
  );

/** Each verb, its input type and the fields of its input (any of which may be left out). */
const VERBS: Record<string, { input: string; fields: () => Record<string, fc.Arbitrary<unknown>> }> = {
  upsertCustomer: {
    input: 'UpsertCustomerInput',
    fields: () => ({
      externalId: field(fc.constantFrom('fz_0', 'fz_1', 'fz_new')),
      name: name(),
      email: field(fc.constantFrom('a@example.com', 'A@Example.com', 'not an email')),
      locale: field(fc.constantFrom('en', 'fr_FR', 'xx-invalid-')),
      currency: field(fc.constantFrom('EUR', 'usd', 'EURO')),
      metadata: field(fc.dictionary(fc.string({ maxLength: 45 }), fc.string({ maxLength: 5 }), { maxKeys: 3 })),
    }),
  },
  createPlan: {
    input: 'CreatePlanInput',
    fields: () => ({ id: field(fc.constantFrom('fz_plan', 'fz_new', 'a b', '-x')), name: name(), features: features() }),
  },
  updatePlan: { input: 'UpdatePlanInput', fields: () => ({ id: planId(), name: name(), features: features() }) },
  archivePlan: { input: 'ArchivePlanInput', fields: () => ({ id: planId() }) },
  attachPlan: {
    input: 'AttachPlanInput',
    fields: () => ({ customerId: customerId(), planId: planId(), entityId: entityId(), quantity: count(), trialDays: count() }),
  },
  cancelSubscription: {
    input: 'CancelSubscriptionInput',
    fields: () => ({ id: field(fc.constantFrom(...pool.subscriptionIds)), atPeriodEnd: flag() }),
  },
  trackUsage: {
    input: 'TrackUsageInput',
    fields: () => ({ customerId: customerId(), featureId: featureId(), entityId: entityId(), value: amount() }),
  },
  setUsage: {
    input: 'SetUsageInput',
    fields: () => ({ customerId: customerId(), featureId: featureId(), entityId: entityId(), usage: amount() }),
  },
  createEntity: {
    input: 'CreateEntityInput',
    fields: () => ({
      customerId: customerId(),
      externalId: field(fc.constantFrom('ws_0', 'ws_new', '')),
      name: name(),
      featureId: featureId(),
    }),
  },
  updateEntity: { input: 'UpdateEntityInput', fields: () => ({ id: entityId(), name: name() }) },
  deleteEntity: { input: 'DeleteEntityInput', fields: () => ({ id: entityId() }) },
  createReferralCode: {
    input: 'CreateReferralCodeInput',
    fields: () => ({ customerId: customerId(), programId: field(fc.constantFrom('friends', 'other', 'a b')) }),
  },
  redeemReferralCode: {
    input: 'RedeemReferralCodeInput',
    fields: () => ({ code: field(fc.constantFrom(...pool.codes)), customerId: customerId() }),
  },
};

interface Answer {
  status: number;
  body: { data?: Record<string, { userErrors?: unknown[] } | null> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function send(verb: string, input: unknown, idempotencyKey: string | undefined): Promise<Answer> {
  const query = `mutation($input: ${VERBS[verb].input}!) { ${verb}(input: $input) { __typename userErrors { field code message } } }`;
  const response = await t.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${t.merchant.testKey}`,
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    body: JSON.stringify({ query, variables: { input } }),
  });
  const text = await response.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: response.status, body };
}

describe('fuzzing the billing verbs', () => {
  const outcomes = new Map<string, number>();
  let tries = 0;

  for (const verb of Object.keys(VERBS)) {
    it(verb, async () => {
      const input = fc.record(VERBS[verb].fields(), { requiredKeys: [] });
      const idempotencyKey = fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.constant('k'.repeat(300))), { nil: undefined, freq: 3 });
      await fc.assert(
        fc.asyncProperty(input, idempotencyKey, async (value, key) => {
          tries++;
          const before = await fingerprint();
          const answer = await send(verb, value, key);
          const what = `${verb}(${JSON.stringify(value).slice(0, 200)}) with key ${JSON.stringify(key)}: ${JSON.stringify(answer.body).slice(0, 300)}`;
          expect(answer.status, what).toBeLessThan(500);
          const errors = answer.body.errors ?? [];
          for (const error of errors) {
            expect(error.extensions?.code, what).toMatch(/^[A-Z_]+$/);
            expect(error.extensions?.code, what).not.toBe('INTERNAL_SERVER_ERROR');
          }
          const userErrors = answer.body.data?.[verb]?.userErrors ?? [];
          const failed = errors.length > 0 || userErrors.length > 0 || !answer.body.data?.[verb];
          if (failed) expect(await fingerprint(), `${what} failed but wrote`).toBe(before);
          const outcome = errors.length ? `${answer.status} ${errors[0].extensions?.code}` : userErrors.length ? 'userErrors' : 'success';
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    });
  }

  afterAll(() => {
    // Random input must reach the verbs themselves, not only the schema's validation.
    expect(outcomes.get('userErrors') ?? 0).toBeGreaterThan(tries / 10);
    const outcome = [...outcomes]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${n} × ${code}`)
      .join(', ');
    recordTrust({
      attack: 'Fuzz (fast-check): random input to the 13 billing verbs, with and without Idempotency-Key',
      tries,
      outcome: `${outcome}; never 5xx`,
      rowsChanged: '0 by a refused write (every table compared)',
    });
  });
});
