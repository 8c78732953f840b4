import { createApiKey, environmentOfKey, hashApiKey } from '../auth/api-keys.ts';
import { newId } from '../domain/ids.ts';
import type { Environment, Prisma, PrismaClient } from '../generated/prisma/client.ts';

export const DEMO_ACCOUNT_ID = 'acct_DemoMerchant000000000000';
export const DEMO_CUSTOMER_COUNT = 50;

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
  { city: 'San Francisco', state: 'CA', postalCode: '94107', country: 'US', currency: 'USD', locale: 'en_US' },
  { city: 'New York', state: 'NY', postalCode: '10001', country: 'US', currency: 'USD', locale: 'en_US' },
  { city: 'Berlin', state: null, postalCode: '10115', country: 'DE', currency: 'EUR', locale: 'de_DE' },
  { city: 'Amsterdam', state: null, postalCode: '1012 JS', country: 'NL', currency: 'EUR', locale: 'nl_NL' },
  { city: 'London', state: null, postalCode: 'EC1A 1BB', country: 'GB', currency: 'GBP', locale: 'en_GB' },
  { city: 'Paris', state: null, postalCode: '75001', country: 'FR', currency: 'EUR', locale: 'fr_FR' },
  { city: 'Tokyo', state: 'Tokyo', postalCode: '100-0001', country: 'JP', currency: 'JPY', locale: 'ja_JP' },
];
const STREETS = ['Market St', 'Main St', 'Friedrichstraße', 'Keizersgracht', 'High St', 'Rue de Rivoli', 'Chuo-dori'];
const PLANS = ['free', 'starter', 'pro', 'team', 'enterprise'];
const ADD_ONS = ['extra_seats', 'priority_support', 'ai_pack'];
const FEATURES = ['api_calls', 'seats', 'storage_gb', 'ai_credits', 'emails'];
const SUBSCRIPTION_STATUSES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'SCHEDULED', 'PAST_DUE', 'CANCELED', 'EXPIRED'] as const;
const INVOICE_STATUSES = ['PAID', 'PAID', 'PAID', 'OPEN', 'DRAFT', 'VOID', 'UNCOLLECTIBLE'] as const;
const CHARGE_STATUSES = ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'PENDING', 'FAILED', 'REFUNDED'] as const;
const CARD_BRANDS = ['visa', 'mastercard', 'amex'];
const DAY = 86_400_000;

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
      delinquent: r.chance(0.1),
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
      data.subscriptions.push({
        id: newId('Subscription'),
        customerId: id,
        entityId: s === 0 ? null : r.pick(owners),
        planId: s === 0 ? r.pick(PLANS) : r.pick(ADD_ONS),
        status,
        addOn: s > 0,
        quantity: s === 0 ? 1 : r.int(1, 10),
        startedAt,
        currentPeriodStart: new Date(now - 10 * DAY),
        currentPeriodEnd: new Date(now + 20 * DAY),
        trialEndsAt: r.chance(0.2) ? new Date(startedAt.getTime() + 14 * DAY) : null,
        canceledAt: status === 'CANCELED' ? at(s * 7 + 30) : null,
        expiresAt: status === 'EXPIRED' || status === 'CANCELED' ? at(s * 7 + 60) : null,
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
      const usage = BigInt(Math.floor(Number(granted) * r.next() * 1.2));
      const interval = r.pick(['MONTH', 'MONTH', 'DAY', 'YEAR', 'ONE_OFF'] as const);
      data.balances.push({
        id: newId('Balance'),
        customerId: id,
        entityId: null,
        featureId,
        granted,
        usage,
        unlimited: featureId === 'emails' && r.chance(0.3),
        overageAllowed: r.chance(0.4),
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
        usage: BigInt(r.int(0, 600)),
        interval: 'MONTH',
        nextResetAt: new Date(now + 12 * DAY),
        createdAt,
        updatedAt: at(2),
      });
    }
    for (let n = 0; n < r.int(2, 15); n++) {
      const invoiceId = newId('Invoice');
      const status = r.pick(INVOICE_STATUSES);
      const total = BigInt(r.pick([0, 900, 2900, 4900, 9900, 29900]) * (place.currency === 'JPY' ? 1 : 1));
      const issuedAt = at(n * 30 + 1);
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
        const chargeStatus = status === 'PAID' ? 'SUCCEEDED' : r.pick(CHARGE_STATUSES);
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
    (data.customers.at(-1) as { nextInvoiceSequence: number }).nextInvoiceSequence =
      data.invoices.filter((inv) => inv.customerId === id).length + 1;
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
        planId: type === 'FREE_PRODUCT' ? 'pro' : null,
        duration: r.pick(['ONCE', 'REPEATING', 'FOREVER'] as const),
        durationInMonths: 3,
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

export interface SeedResult {
  /** False when the demo account already existed. */
  seeded: boolean;
  /** The demo key, when this run created it (it cannot be read back later: only its hash is kept). */
  apiKey?: string;
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
      await insertDemoData(tx, demoData(DEMO_ACCOUNT_ID, env, DEMO_CUSTOMER_COUNT));
      return key;
    },
    { timeout: 60_000 },
  );
  return { seeded: true, apiKey };
}
