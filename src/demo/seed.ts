import { createApiKey, environmentOfKey, hashApiKey } from '../auth/api-keys.ts';
import { newId } from '../domain/ids.ts';
import type { Environment, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Context } from '../resolvers/context.ts';
import { upsertCustomer } from '../resolvers/customers.ts';
import { createEntity } from '../resolvers/entities.ts';
import { archivePlan, createPlan, type PlanInput } from '../resolvers/plans.ts';
import { createReferralCode, redeemReferralCode } from '../resolvers/referrals.ts';
import { attachPlan, cancelSubscription } from '../resolvers/subscriptions.ts';
import { setUsage, trackUsage } from '../resolvers/usage.ts';

export const DEMO_ACCOUNT_ID = 'acct_DemoMerchant000000000000';
export const DEMO_CUSTOMER_COUNT = 50;
/**
 * The newest customers (the first a list shows), whose billing the verbs make. A verb costs a few
 * milliseconds; through them for all 50, the first start's seed took about three times as long.
 */
export const DEMO_VERB_CUSTOMERS = 20;

/** A small deterministic generator, so every seeded database holds the same kind of data. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
  };
}

const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Tim',
  'Katherine',
  'Donald',
  'Hedy',
  'Guido',
  'Anita',
  'Bjarne',
  'Sophie',
  'John',
];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Berners-Lee',
  'Johnson',
  'Knuth',
  'Lamarr',
  'van Rossum',
  'Borg',
  'Stroustrup',
  'Wilson',
  'Backus',
];
const COMPANIES = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella Labs',
  'Hooli',
  'Stark Industries',
  'Wayne Enterprises',
  'Soylent',
  'Tyrell',
  'Cyberdyne',
  null,
  null,
];
const ADDRESSES = [
  { city: 'San Francisco', state: 'CA', postalCode: '94107', country: 'US', currency: 'USD', locale: 'en-US' },
  { city: 'New York', state: 'NY', postalCode: '10001', country: 'US', currency: 'USD', locale: 'en' },
  { city: 'Berlin', state: null, postalCode: '10115', country: 'DE', currency: 'EUR', locale: 'de-DE' },
  { city: 'Amsterdam', state: null, postalCode: '1012 JS', country: 'NL', currency: 'EUR', locale: 'nl-NL' },
  { city: 'London', state: null, postalCode: 'EC1A 1BB', country: 'GB', currency: 'GBP', locale: 'en-GB' },
  { city: 'Paris', state: null, postalCode: '75001', country: 'FR', currency: 'EUR', locale: 'fr-FR' },
  { city: 'Tokyo', state: 'Tokyo', postalCode: '100-0001', country: 'JP', currency: 'JPY', locale: 'ja-JP' },
];
const STREETS = ['Market St', 'Main St', 'Friedrichstraße', 'Keizersgracht', 'High St', 'Rue de Rivoli', 'Chuo-dori'];
// Prefixed, so that the plans an integrator creates first in the demo account ("pro", "free") are theirs to name.
const PLANS = ['demo_free', 'demo_starter', 'demo_pro', 'demo_team', 'demo_enterprise'];
const ADD_ONS = ['demo_extra_seats', 'demo_priority_support', 'demo_ai_pack'];
const FEATURES = ['api_calls', 'seats', 'storage_gb', 'ai_credits', 'emails'];
const SUBSCRIPTION_STATUSES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'SCHEDULED', 'PAST_DUE', 'CANCELED', 'EXPIRED'] as const;
const INVOICE_STATUSES = ['PAID', 'PAID', 'PAID', 'OPEN', 'DRAFT', 'VOID', 'UNCOLLECTIBLE'] as const;
const CARD_BRANDS = ['visa', 'mastercard', 'amex'];
const DAY = 86_400_000;
/** Days an invoice may stay open before it is past due (and its customer delinquent). */
const PAYMENT_TERMS_DAYS = 30;

export interface DemoData {
  customers: Prisma.CustomerCreateManyInput[];
  subscriptions: Prisma.SubscriptionCreateManyInput[];
  purchases: Prisma.PurchaseCreateManyInput[];
  balances: Prisma.BalanceCreateManyInput[];
  invoices: Prisma.InvoiceCreateManyInput[];
  charges: Prisma.ChargeCreateManyInput[];
  entities: Prisma.EntityCreateManyInput[];
  trialsUsed: Prisma.TrialUsedCreateManyInput[];
  rewards: Prisma.RewardCreateManyInput[];
  referrals: Prisma.ReferralCreateManyInput[];
  paymentMethods: Prisma.PaymentMethodCreateManyInput[];
  events: Prisma.EventCreateManyInput[];
}

/** Realistic customers with every kind of nested data, for one account and environment. */
export function demoData(accountId: string, env: Environment, count: number, seed = 42, now = Date.now()): DemoData {
  const r = random(seed);
  const data: DemoData = {
    customers: [],
    subscriptions: [],
    purchases: [],
    balances: [],
    invoices: [],
    charges: [],
    entities: [],
    trialsUsed: [],
    rewards: [],
    referrals: [],
    paymentMethods: [],
    events: [],
  };
  for (let i = 0; i < count; i++) {
    const first = r.pick(FIRST_NAMES);
    const last = r.pick(LAST_NAMES);
    const place = r.pick(ADDRESSES);
    const company = r.pick(COMPANIES);
    const createdAt = new Date(now - (count - i) * DAY * 3 - r.int(0, DAY));
    const id = newId('Customer');
    const prefix = `D${String(i).padStart(3, '0')}${env === 'LIVE' ? 'L' : 'T'}`;
    const address = {
      line1: `${r.int(1, 999)} ${r.pick(STREETS)}`,
      line2: r.chance(0.3) ? `Suite ${r.int(100, 999)}` : null,
      city: place.city,
      state: place.state,
      postalCode: place.postalCode,
      country: place.country,
    };
    data.customers.push({
      id,
      accountId,
      env,
      externalId: `user_${1000 + i}`,
      name: `${first} ${last}`,
      email: `${first}.${last}.${i}@example.com`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''),
      phone: r.chance(0.7) ? `+1 555 ${String(r.int(1000000, 9999999))}` : null,
      description: r.chance(0.3) ? 'Came from the spring campaign' : null,
      companyName: company,
      taxId: company && place.country !== 'US' ? `${place.country}${r.int(100000000, 999999999)}` : null,
      address,
      shipping: r.chance(0.4) ? { name: `${first} ${last}`, phone: null, address } : undefined,
      metadata: { plan_source: r.pick(['web', 'sales', 'partner']), ...(r.chance(0.5) ? { crm_id: `crm_${r.int(10000, 99999)}` } : {}) },
      locale: place.locale,
      preferredLocales: [place.locale],
      currency: place.currency,
      balance: BigInt(r.chance(0.2) ? -r.int(100, 5000) : 0),
      delinquent: false,
      invoicePrefix: prefix,
      nextInvoiceSequence: 1,
      taxExempt: r.pick(['NONE', 'NONE', 'NONE', 'EXEMPT', 'REVERSE'] as const),
      taxIds: company && place.country !== 'US' ? [{ type: 'eu_vat', value: `${place.country}${r.int(100000000, 999999999)}` }] : [],
      fingerprint: r.chance(0.5) ? `fp_${r.int(100000, 999999)}` : null,
      sendEmailReceipts: r.chance(0.5),
      createdAt,
      updatedAt: createdAt,
    });
    data.events.push({ id: newId('Event'), accountId, env, customerId: id, type: 'CUSTOMER_CREATED', createdAt });

    const at = (daysAfterCreation: number) => new Date(Math.min(now, createdAt.getTime() + daysAfterCreation * DAY));
    const entityIds: string[] = [];
    for (let e = 0; e < r.int(0, 3); e++) {
      const entityId = newId('Entity');
      entityIds.push(entityId);
      data.entities.push({
        id: entityId,
        customerId: id,
        externalId: `workspace_${e + 1}`,
        name: `${r.pick(['Marketing', 'Engineering', 'Sales', 'Design'])} workspace`,
        featureId: 'seats',
        createdAt: at(e + 1),
      });
    }
    const owners = [null, ...entityIds];
    for (let s = 0; s < r.int(1, 5); s++) {
      const status = r.pick(SUBSCRIPTION_STATUSES);
      const startedAt = at(s * 7);
      const ended = status === 'CANCELED' || status === 'EXPIRED';
      const expiresAt = ended ? at(s * 7 + 60) : null;
      // The period is inside the subscription: its last one when it ended, else the one running now.
      const periodEnd = expiresAt ?? new Date(startedAt.getTime() + (Math.floor((now - startedAt.getTime()) / (30 * DAY)) + 1) * 30 * DAY);
      const periodStart = new Date(Math.max(startedAt.getTime(), periodEnd.getTime() - 30 * DAY));
      data.subscriptions.push({
        id: newId('Subscription'),
        customerId: id,
        entityId: s === 0 ? null : r.pick(owners),
        planId: s === 0 ? r.pick(PLANS) : r.pick(ADD_ONS),
        status,
        addOn: s > 0,
        quantity: s === 0 ? 1 : r.int(1, 10),
        startedAt,
        currentPeriodStart: periodStart,
        currentPeriodEnd: periodEnd,
        trialEndsAt: r.chance(0.2) ? new Date(startedAt.getTime() + 14 * DAY) : null,
        canceledAt: status === 'CANCELED' ? at(s * 7 + 30) : null,
        expiresAt,
        createdAt: startedAt,
      });
    }
    for (let p = 0; p < r.int(0, 2); p++) {
      data.purchases.push({
        id: newId('Purchase'),
        customerId: id,
        entityId: r.chance(0.3) ? r.pick(owners) : null,
        planId: r.pick(['credits_1000', 'lifetime_pro', 'onboarding']),
        quantity: r.int(1, 3),
        status: r.pick(['ACTIVE', 'ACTIVE', 'EXPIRED', 'REFUNDED'] as const),
        expiresAt: r.chance(0.5) ? new Date(now + r.int(1, 300) * DAY) : null,
        createdAt: at(p * 11 + 2),
      });
    }
    const features = [...FEATURES].sort(() => r.next() - 0.5).slice(0, r.int(2, 5));
    for (const featureId of features) {
      const granted = BigInt(r.pick([100, 1000, 10000, 50000]));
      const used = r.next();
      const interval = r.pick(['MONTH', 'MONTH', 'DAY', 'YEAR', 'ONE_OFF'] as const);
      const unlimited = featureId === 'emails' && r.chance(0.3);
      const overageAllowed = r.chance(0.4);
      // Within the grant unless the balance may go past it.
      const usage = BigInt(Math.floor(Number(granted) * used * (unlimited || overageAllowed ? 1.2 : 1)));
      data.balances.push({
        id: newId('Balance'),
        customerId: id,
        entityId: null,
        featureId,
        granted,
        usage,
        unlimited,
        overageAllowed,
        interval,
        nextResetAt: interval === 'ONE_OFF' ? null : new Date(now + r.int(1, 30) * DAY),
        createdAt,
        updatedAt: at(1),
      });
    }
    for (const entityId of entityIds) {
      data.balances.push({
        id: newId('Balance'),
        customerId: id,
        entityId,
        featureId: 'ai_credits',
        granted: 500n,
        usage: BigInt(r.int(0, 500)),
        interval: 'MONTH',
        nextResetAt: new Date(now + 12 * DAY),
        createdAt,
        updatedAt: at(2),
      });
    }
    const invoiceCount = r.int(2, 15);
    // Invoices at distinct times between the customer's creation and an hour before now, a month apart at most.
    const invoiceGap = Math.min(30 * DAY, Math.floor((now - 3_600_000 - createdAt.getTime()) / (invoiceCount + 1)));
    for (let n = 0; n < invoiceCount; n++) {
      const invoiceId = newId('Invoice');
      const status = r.pick(INVOICE_STATUSES);
      const total = BigInt(r.pick([0, 900, 2900, 4900, 9900, 29900]));
      const issuedAt = new Date(createdAt.getTime() + (n + 1) * invoiceGap);
      data.invoices.push({
        id: invoiceId,
        customerId: id,
        number: `${prefix}-${String(n + 1).padStart(4, '0')}`,
        status,
        total,
        currency: place.currency,
        planIds: [r.pick(PLANS)],
        hostedUrl: `https://pay.example.com/i/${invoiceId}`,
        createdAt: issuedAt,
      });
      if (status !== 'DRAFT' && total > 0n) {
        const chargeStatus = status === 'PAID' ? 'SUCCEEDED' : status === 'OPEN' ? r.pick(['PENDING', 'FAILED'] as const) : 'FAILED';
        data.charges.push({
          id: newId('Charge'),
          customerId: id,
          invoiceId,
          amount: total,
          currency: place.currency,
          status: chargeStatus,
          createdAt: new Date(issuedAt.getTime() + 3_600_000),
        });
      }
    }
    const invoices = data.invoices.filter((inv) => inv.customerId === id);
    const customer = data.customers.at(-1) as { nextInvoiceSequence: number; delinquent: boolean };
    customer.nextInvoiceSequence = invoices.length + 1;
    customer.delinquent = invoices.some(
      (inv) => inv.status === 'OPEN' && new Date(inv.createdAt!).getTime() < now - PAYMENT_TERMS_DAYS * DAY,
    );
    if (r.chance(0.4))
      data.trialsUsed.push({
        id: newId('TrialUsed'),
        customerId: id,
        planId: r.pick(PLANS.slice(2)),
        fingerprint: `fp_${r.int(100000, 999999)}`,
        createdAt: at(0),
      });
    const rewardId = r.chance(0.5) ? newId('Reward') : null;
    if (rewardId) {
      const type = r.pick(['PERCENTAGE_DISCOUNT', 'FIXED_DISCOUNT', 'FREE_PRODUCT'] as const);
      data.rewards.push({
        id: rewardId,
        customerId: id,
        code: `WELCOME${r.int(10, 99)}`,
        type,
        percentOff: type === 'PERCENTAGE_DISCOUNT' ? r.pick([10, 20, 50]) : null,
        amountOff: type === 'FIXED_DISCOUNT' ? BigInt(r.pick([500, 1000, 2500])) : null,
        currency: type === 'FIXED_DISCOUNT' ? place.currency : null,
        planId: type === 'FREE_PRODUCT' ? 'demo_pro' : null,
        ...rewardDuration(type, r.pick(['ONCE', 'REPEATING', 'FOREVER'] as const)),
        expiresAt: new Date(now + 90 * DAY),
        createdAt: at(3),
      });
    }
    if (i > 0 && r.chance(0.3)) {
      const referred = data.customers[r.int(0, i - 1)].id;
      data.referrals.push({
        id: newId('Referral'),
        customerId: id,
        programId: 'friends_2026',
        code: `REF-${r.int(1000, 9999)}`,
        referredCustomerId: referred,
        rewardId,
        redeemedAt: at(5),
        createdAt: at(4),
      });
    }
    if (r.chance(0.85)) {
      const type = r.chance(0.8) ? 'CARD' : r.pick(['SEPA_DEBIT', 'PAYPAL'] as const);
      data.paymentMethods.push({
        id: newId('PaymentMethod'),
        customerId: id,
        type,
        isDefault: true,
        cardBrand: type === 'CARD' ? r.pick(CARD_BRANDS) : null,
        cardLast4: type === 'CARD' ? String(r.int(1000, 9999)) : null,
        cardExpMonth: type === 'CARD' ? r.int(1, 12) : null,
        cardExpYear: type === 'CARD' ? r.int(2027, 2031) : null,
        createdAt: at(0),
      });
    }
  }
  return data;
}

/** A free product is given once; a discount lasts once, forever, or a number of months. */
function rewardDuration(type: string, duration: 'ONCE' | 'REPEATING' | 'FOREVER') {
  if (type === 'FREE_PRODUCT') return { duration: 'ONCE' as const, durationInMonths: null };
  return { duration, durationInMonths: duration === 'REPEATING' ? 3 : null };
}

type Writer = Pick<
  PrismaClient,
  | 'customer'
  | 'entity'
  | 'subscription'
  | 'purchase'
  | 'balance'
  | 'invoice'
  | 'charge'
  | 'trialUsed'
  | 'reward'
  | 'referral'
  | 'paymentMethod'
  | 'event'
>;

export async function insertDemoData(tx: Writer, data: DemoData): Promise<void> {
  await tx.customer.createMany({ data: data.customers });
  await tx.entity.createMany({ data: data.entities });
  await tx.subscription.createMany({ data: data.subscriptions });
  await tx.purchase.createMany({ data: data.purchases });
  await tx.balance.createMany({ data: data.balances });
  await tx.invoice.createMany({ data: data.invoices });
  await tx.charge.createMany({ data: data.charges });
  await tx.trialUsed.createMany({ data: data.trialsUsed });
  await tx.reward.createMany({ data: data.rewards });
  await tx.referral.createMany({ data: data.referrals });
  await tx.paymentMethod.createMany({ data: data.paymentMethods });
  await tx.event.createMany({ data: data.events });
}

/** The demo's catalog, made with createPlan: what its subscriptions grant. */
const CATALOG: PlanInput[] = [
  {
    id: 'demo_free',
    name: 'Free',
    features: [
      { featureId: 'api_calls', included: 1_000n, interval: 'MONTH' },
      { featureId: 'seats', included: 1n, interval: 'ONE_OFF' },
      { featureId: 'storage_gb', included: 1n, interval: 'ONE_OFF' },
    ],
  },
  {
    id: 'demo_starter',
    name: 'Starter',
    features: [
      { featureId: 'api_calls', included: 10_000n, interval: 'MONTH' },
      { featureId: 'seats', included: 3n, interval: 'ONE_OFF' },
      { featureId: 'storage_gb', included: 10n, interval: 'ONE_OFF' },
      { featureId: 'emails', included: 1_000n, interval: 'MONTH' },
    ],
  },
  {
    id: 'demo_pro',
    name: 'Pro',
    features: [
      { featureId: 'api_calls', included: 100_000n, interval: 'MONTH' },
      { featureId: 'seats', included: 10n, interval: 'ONE_OFF' },
      { featureId: 'storage_gb', included: 100n, interval: 'ONE_OFF' },
      { featureId: 'ai_credits', included: 5_000n, overageAllowed: true, interval: 'MONTH' },
      { featureId: 'emails', unlimited: true, interval: 'MONTH' },
    ],
  },
  {
    id: 'demo_team',
    name: 'Team',
    features: [
      { featureId: 'api_calls', included: 250_000n, overageAllowed: true, interval: 'MONTH' },
      { featureId: 'seats', included: 25n, interval: 'ONE_OFF' },
      { featureId: 'storage_gb', included: 500n, interval: 'ONE_OFF' },
      { featureId: 'ai_credits', included: 20_000n, overageAllowed: true, interval: 'MONTH' },
      { featureId: 'emails', unlimited: true, interval: 'MONTH' },
    ],
  },
  {
    id: 'demo_enterprise',
    name: 'Enterprise',
    features: [
      { featureId: 'api_calls', unlimited: true, interval: 'MONTH' },
      { featureId: 'seats', included: 100n, overageAllowed: true, interval: 'ONE_OFF' },
      { featureId: 'storage_gb', included: 5_000n, interval: 'ONE_OFF' },
      { featureId: 'ai_credits', included: 100_000n, overageAllowed: true, interval: 'MONTH' },
      { featureId: 'emails', unlimited: true, interval: 'MONTH' },
    ],
  },
  { id: 'demo_extra_seats', name: 'Extra seats (add-on)', features: [{ featureId: 'seats', included: 5n, interval: 'ONE_OFF' }] },
  { id: 'demo_priority_support', name: 'Priority support (add-on)', features: [] },
  { id: 'demo_ai_pack', name: 'AI pack (add-on)', features: [{ featureId: 'ai_credits', included: 10_000n, interval: 'MONTH' }] },
  { id: 'demo_workspace', name: 'Workspace', features: [{ featureId: 'ai_credits', included: 500n, interval: 'MONTH' }] },
  { id: 'demo_legacy', name: 'Legacy (archived)', features: [{ featureId: 'api_calls', included: 5_000n, interval: 'MONTH' }] },
];
const BASE_PLANS = ['demo_free', 'demo_starter', 'demo_starter', 'demo_pro', 'demo_pro', 'demo_team'];
const TRIAL_PLANS = new Set(['demo_pro', 'demo_team']);
const WORKSPACES = ['Marketing', 'Engineering', 'Sales', 'Design'];
const REFERRAL_PROGRAMME = 'demo_friends';

/** Fails the seed (and so rolls the whole demo back) when a verb refuses: the demo holds only what the verbs accept. */
function accepted<T extends { userErrors: { code: string; message: string }[] }>(verb: string, payload: T): T {
  if (payload.userErrors.length) throw new Error(`Seeding the demo: ${verb} refused: ${JSON.stringify(payload.userErrors)}`);
  return payload;
}

/** What a customer's base plan and add-ons granted, by feature, with whether it may go past it. */
type Grants = Map<string, { included: bigint; unlimited: boolean; overageAllowed: boolean }>;

function addGrants(grants: Grants, planId: string, quantity: number) {
  for (const feature of CATALOG.find((plan) => plan.id === planId)?.features ?? []) {
    const held = grants.get(feature.featureId) ?? { included: 0n, unlimited: false, overageAllowed: false };
    grants.set(feature.featureId, {
      included: held.included + (feature.included ?? 0n) * BigInt(quantity),
      unlimited: held.unlimited || Boolean(feature.unlimited),
      overageAllowed: held.overageAllowed || Boolean(feature.overageAllowed),
    });
  }
}

/**
 * The demo's billing, made by the service layer's verbs as an integrator's calls would make it:
 * the catalog, each customer's plan (some on a trial) and add-ons (some canceled), seats taken by
 * workspaces, usage tracked and set, referral codes and their redemptions, each with its event.
 * The customers themselves and what has no verb (invoices, charges, purchases, payment methods,
 * welcome rewards) are inserted by `insertDemoData`.
 */
async function runDemoVerbs(ctx: Context, customerIds: string[], made: Set<string>, seed = 42) {
  const r = random(seed);
  for (const plan of CATALOG) accepted('createPlan', await createPlan(ctx, plan));
  accepted('archivePlan', await archivePlan(ctx, { id: 'demo_legacy' }));
  for (const [i, customerId] of customerIds.entries()) {
    if (!made.has(customerId)) continue;
    const grants: Grants = new Map();
    const planId = r.pick(BASE_PLANS);
    const trialDays = TRIAL_PLANS.has(planId) && r.chance(0.3) ? 14 : null;
    accepted('attachPlan', await attachPlan(ctx, { customerId, planId, trialDays }));
    addGrants(grants, planId, 1);
    if (r.chance(0.2)) {
      const quantity = r.int(1, 3);
      accepted('attachPlan', await attachPlan(ctx, { customerId, planId: 'demo_extra_seats', quantity }));
      addGrants(grants, 'demo_extra_seats', quantity);
    }
    if (r.chance(0.2)) {
      const pack = accepted('attachPlan', await attachPlan(ctx, { customerId, planId: 'demo_ai_pack' }));
      if (r.chance(0.5))
        accepted('cancelSubscription', await cancelSubscription(ctx, { id: pack.subscription!.id, atPeriodEnd: r.chance(0.3) }));
      else addGrants(grants, 'demo_ai_pack', 1);
    }
    const seats = Number(grants.get('seats')?.included ?? 0n);
    for (let e = 0; e < Math.min(seats, r.int(0, 3)); e++) {
      const { entity } = accepted(
        'createEntity',
        await createEntity(ctx, { customerId, externalId: `workspace_${e + 1}`, name: `${WORKSPACES[e]} workspace`, featureId: 'seats' }),
      );
      if (r.chance(0.35)) {
        accepted('attachPlan', await attachPlan(ctx, { customerId, planId: 'demo_workspace', entityId: entity!.id }));
        const value = BigInt(r.int(1, 500));
        accepted('trackUsage', await trackUsage(ctx, { customerId, entityId: entity!.id, featureId: 'ai_credits', value }));
      }
    }
    for (const featureId of ['api_calls', 'ai_credits', 'emails']) {
      const granted = grants.get(featureId);
      if (!granted) continue;
      // Within the grant, or up to a fifth past it where the balance allows overage.
      const ceiling = granted.unlimited ? 5_000 : Number(granted.included) * (granted.overageAllowed ? 1.2 : 0.95);
      const value = BigInt(Math.max(1, Math.floor(ceiling * r.next())));
      accepted('trackUsage', await trackUsage(ctx, { customerId, featureId, value }));
    }
    const storage = Number(grants.get('storage_gb')?.included ?? 0n);
    accepted('setUsage', await setUsage(ctx, { customerId, featureId: 'storage_gb', usage: BigInt(r.int(0, storage)) }));
    if (i > 0 && r.chance(0.35)) {
      const referrer = customerIds[r.int(0, i - 1)];
      const { referralCode } = accepted(
        'createReferralCode',
        await createReferralCode(ctx, { customerId: referrer, programId: REFERRAL_PROGRAMME }),
      );
      accepted('redeemReferralCode', await redeemReferralCode(ctx, { code: referralCode!.code, customerId }));
    }
  }
  // Found by the merchant's own id, as an integrator's sign-up retry would: updated, not doubled.
  accepted('upsertCustomer', await upsertCustomer(ctx, { externalId: 'user_1000', sendEmailReceipts: true }));
}

export interface SeedResult {
  /** False when the demo account already existed. */
  seeded: boolean;
  /** The demo key, when this run created it (it cannot be read back later: only its hash is kept). */
  apiKey?: string;
}

/**
 * A request's context for the verbs, inside the seed's one transaction: a verb's own transaction
 * runs as part of it. That is sound only because a refused verb fails the whole seed (`accepted`):
 * no savepoint undoes what a refused verb wrote before it refused.
 */
function seedContext(tx: Prisma.TransactionClient, caller: Context['caller']): Context {
  const prisma = new Proxy(tx, {
    get: (target, property, receiver) =>
      property === '$transaction' ? (run: (db: Prisma.TransactionClient) => unknown) => run(tx) : Reflect.get(target, property, receiver),
  }) as unknown as PrismaClient;
  // A statement that would commit alone (a meter) runs in the seed's transaction too. The verbs
  // neither read through loaders nor subscribe to live events.
  const write: Context['write'] = (sql, params) => tx.$queryRawUnsafe(sql, ...params);
  return { prisma, write, caller } as Context;
}

/**
 * Seeds the demo account with a TEST key and realistic customers. Idempotent: a second run
 * changes nothing, except that a `seedApiKey` not yet stored is added to the demo account.
 */
export async function seedDemo(prisma: PrismaClient, options: { seedApiKey?: string } = {}): Promise<SeedResult> {
  const { seedApiKey } = options;
  if (seedApiKey && !environmentOfKey(seedApiKey)) {
    throw new Error('SEED_API_KEY must look like sk_test_ or sk_live_ followed by 24 to 99 letters or digits');
  }
  const existing = await prisma.account.findUnique({ where: { id: DEMO_ACCOUNT_ID } });
  if (existing) {
    if (!seedApiKey) return { seeded: false };
    const stored = await prisma.apiKey.findUnique({ where: { hash: hashApiKey(seedApiKey) } });
    if (stored) return { seeded: false };
    return { seeded: false, apiKey: await createApiKey(prisma, DEMO_ACCOUNT_ID, environmentOfKey(seedApiKey)!, seedApiKey) };
  }
  const env = seedApiKey ? environmentOfKey(seedApiKey)! : 'TEST';
  // One transaction: a database holds the whole demo or none of it.
  const apiKey = await prisma.$transaction(
    async (tx) => {
      await tx.account.create({ data: { id: DEMO_ACCOUNT_ID, name: 'Demo merchant' } });
      const key = await createApiKey(tx, DEMO_ACCOUNT_ID, env, seedApiKey);
      const data = demoData(DEMO_ACCOUNT_ID, env, DEMO_CUSTOMER_COUNT);
      const made = new Set(data.customers.slice(-DEMO_VERB_CUSTOMERS).map((customer) => customer.id));
      const notMade = <T extends { customerId: string }>(rows: T[]) => rows.filter((row) => !made.has(row.customerId));
      // Of the customers whose billing the verbs make, only the subscriptions that ended before are
      // inserted (history, granting nothing now); their purchases of entities go to the customer.
      const ended = (status: string | undefined) => status === 'CANCELED' || status === 'EXPIRED';
      await insertDemoData(tx, {
        ...data,
        subscriptions: data.subscriptions
          .filter((subscription) => !made.has(subscription.customerId) || (subscription.entityId == null && ended(subscription.status)))
          .map((subscription) => (made.has(subscription.customerId) ? { ...subscription, trialEndsAt: null } : subscription)),
        balances: notMade(data.balances),
        entities: notMade(data.entities),
        trialsUsed: notMade(data.trialsUsed),
        referrals: notMade(data.referrals),
        purchases: data.purchases.map((purchase) => (made.has(purchase.customerId) ? { ...purchase, entityId: null } : purchase)),
      });
      const { id: keyId } = await tx.apiKey.findUniqueOrThrow({ where: { hash: hashApiKey(key) } });
      await runDemoVerbs(
        seedContext(tx, { accountId: DEMO_ACCOUNT_ID, env, keyId }),
        data.customers.map((customer) => customer.id),
        made,
      );
      return key;
    },
    { timeout: 60_000 },
  );
  return { seeded: true, apiKey };
}
