// The number of SQL statements each bench scenario's request costs (bench/queries.ts), exactly:
// a change that adds a statement to one of them fails here, and so does a count that grows with
// the page or the number of representations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_CUSTOMER,
  CUSTOMER_BY_ID,
  CUSTOMER_ENTITIES,
  CUSTOMER_RELATIONS,
  CUSTOMERS_AFTER,
  CUSTOMERS_PAGE,
  customersPageOf,
} from '../bench/queries.ts';
import { newId } from '../src/domain/ids.ts';
import type { Prisma } from '../src/generated/prisma/client.ts';
import { createTestApp, type ReadPath, type TestApp } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';

const CUSTOMERS = 100;

let t: TestApp;
/** Newest first, as the customers list orders them. */
let customerIds: string[];

/** Customers that each have every relation, so that every page selects all of them. */
async function insertCustomersWithEverything(accountId: string) {
  const customers: Prisma.CustomerCreateManyInput[] = [];
  const entities: Prisma.EntityCreateManyInput[] = [];
  const subscriptions: Prisma.SubscriptionCreateManyInput[] = [];
  const purchases: Prisma.PurchaseCreateManyInput[] = [];
  const balances: Prisma.BalanceCreateManyInput[] = [];
  const invoices: Prisma.InvoiceCreateManyInput[] = [];
  const charges: Prisma.ChargeCreateManyInput[] = [];
  const trialsUsed: Prisma.TrialUsedCreateManyInput[] = [];
  const rewards: Prisma.RewardCreateManyInput[] = [];
  const referrals: Prisma.ReferralCreateManyInput[] = [];
  const paymentMethods: Prisma.PaymentMethodCreateManyInput[] = [];
  const events: Prisma.EventCreateManyInput[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const id = newId('Customer');
    const createdAt = new Date(Date.UTC(2025, 0, 1) + i * 60_000);
    customers.push({
      id,
      accountId,
      env: 'TEST',
      name: `Customer ${i}`,
      email: `c${i}@example.com`,
      currency: 'EUR',
      createdAt,
      updatedAt: createdAt,
    });
    events.push({ id: newId('Event'), accountId, env: 'TEST', customerId: id, type: 'CUSTOMER_CREATED', createdAt });
    const entityId = newId('Entity');
    entities.push({ id: entityId, customerId: id, externalId: 'workspace_1', createdAt });
    for (const owner of [null, entityId]) {
      subscriptions.push({
        id: newId('Subscription'),
        customerId: id,
        entityId: owner,
        planId: 'pro',
        status: 'ACTIVE',
        startedAt: createdAt,
        createdAt,
      });
      purchases.push({ id: newId('Purchase'), customerId: id, entityId: owner, planId: 'credits', status: 'ACTIVE', createdAt });
      balances.push({
        id: newId('Balance'),
        customerId: id,
        entityId: owner,
        featureId: 'api_calls',
        interval: 'MONTH',
        granted: 100n,
        createdAt,
      });
    }
    for (let n = 0; n < 2; n++) {
      const invoiceId = newId('Invoice');
      invoices.push({ id: invoiceId, customerId: id, number: `C${i}-${n}`, status: 'PAID', total: 900n, currency: 'EUR', createdAt });
      charges.push({ id: newId('Charge'), customerId: id, invoiceId, amount: 900n, currency: 'EUR', status: 'SUCCEEDED', createdAt });
    }
    trialsUsed.push({ id: newId('TrialUsed'), customerId: id, planId: 'pro', createdAt });
    const rewardId = newId('Reward');
    rewards.push({
      id: rewardId,
      customerId: id,
      code: 'WELCOME',
      type: 'FIXED_DISCOUNT',
      amountOff: 500n,
      currency: 'EUR',
      duration: 'ONCE',
      createdAt,
    });
    const referred = customers[i - 1]?.id ?? null;
    referrals.push({
      id: newId('Referral'),
      customerId: id,
      programId: 'friends',
      code: `REF${i}`,
      referredCustomerId: referred,
      rewardId,
      createdAt,
    });
    paymentMethods.push({
      id: newId('PaymentMethod'),
      customerId: id,
      type: 'CARD',
      isDefault: true,
      cardBrand: 'visa',
      cardLast4: '4242',
      cardExpMonth: 1,
      cardExpYear: 2030,
      createdAt,
    });
  }
  const { prisma } = t;
  await prisma.customer.createMany({ data: customers });
  await prisma.entity.createMany({ data: entities });
  await prisma.subscription.createMany({ data: subscriptions });
  await prisma.purchase.createMany({ data: purchases });
  await prisma.balance.createMany({ data: balances });
  await prisma.invoice.createMany({ data: invoices });
  await prisma.charge.createMany({ data: charges });
  await prisma.trialUsed.createMany({ data: trialsUsed });
  await prisma.reward.createMany({ data: rewards });
  await prisma.referral.createMany({ data: referrals });
  await prisma.paymentMethod.createMany({ data: paymentMethods });
  await prisma.event.createMany({ data: events });
  return customers.map((customer) => customer.id!).reverse();
}

/** Statements of one request, which must succeed. */
async function statementsOf(query: string, variables: Record<string, unknown>, via: ReadPath = 'app'): Promise<number> {
  return t.countStatements(async () => {
    const res = await t.request(query, variables, { via });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(JSON.stringify(res.data)).not.toContain('"userErrors":[{');
  });
}

beforeAll(async () => {
  t = await createTestApp();
  customerIds = await insertCustomersWithEverything(t.merchant.accountId);
});
afterAll(() => t.close());

describe('SQL statements per bench request', () => {
  // Compiled (src/data/compiled-read), a list or a customer by id with everything nested is one
  // statement that builds the answer. Through the resolvers, plugin-prisma plans the relations
  // into the page's own statement (Prisma's relation joins); what it loads apart (the stats
  // variant's counts, the charges summed per currency, the referrals' reward and referred customer
  // by id) is one batched statement each, whatever the number of customers. The API key was looked
  // up by an earlier request (test/helpers.ts) and is cached (src/auth/api-key-cache.ts).
  it('B: customers(first: 20) with every nested field', async () => {
    expect(await statementsOf(CUSTOMERS_PAGE, { first: 20 })).toBe(1);
    expect(await statementsOf(CUSTOMERS_PAGE, { first: 20 }, 'resolvers')).toBe(5);
  });

  it("C: customer(id) with every nested field, in the customer's own statement", async () => {
    expect(await statementsOf(CUSTOMER_BY_ID, { id: customerIds[42] })).toBe(1);
  });

  it('D: a page deep in the list costs what the first page costs', async () => {
    const first = await t.request(CUSTOMERS_AFTER, { first: 10 });
    let after = first.data!.customers.pageInfo.endCursor;
    for (let page = 0; page < 7; page++)
      after = (await t.request(CUSTOMERS_AFTER, { first: 10, after })).data!.customers.pageInfo.endCursor;
    expect(await statementsOf(CUSTOMERS_AFTER, { first: 20 })).toBe(1);
    expect(await statementsOf(CUSTOMERS_AFTER, { first: 20, after })).toBe(1);
  });

  it('E: _entities with 100 Customer representations costs what 1 costs', async () => {
    const representations = (count: number) => customerIds.slice(0, count).map((id) => ({ __typename: 'Customer', id }));
    expect(await statementsOf(CUSTOMER_ENTITIES, { representations: representations(1) })).toBe(1);
    expect(await statementsOf(CUSTOMER_ENTITIES, { representations: representations(100) })).toBe(1);
  });
});

describe('SQL statements do not depend on the page size', () => {
  const ENTITY_LISTS = 'id entities { id subscriptions { id } purchases { id } balances { id } }';

  it('is the same for pages of 1, 10 and 100 customers, compiled or through the resolvers', async () => {
    const counts = [];
    for (const first of [1, 10, 100]) {
      counts.push([
        await statementsOf(customersPageOf(CUSTOMER_RELATIONS), { first }),
        await statementsOf(customersPageOf(CUSTOMER_RELATIONS), { first }, 'resolvers'),
      ]);
    }
    expect(counts).toEqual([
      [1, 4],
      [1, 4],
      [1, 4],
    ]);
  });

  it("is the same for the entities' own lists on pages of 1, 10 and 50 (the cost limit refuses 100)", async () => {
    const counts = [];
    for (const first of [1, 10, 50]) {
      counts.push([
        await statementsOf(customersPageOf(ENTITY_LISTS), { first }),
        await statementsOf(customersPageOf(ENTITY_LISTS), { first }, 'resolvers'),
      ]);
    }
    expect(counts).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
  });
});

// Last: the new customer heads the list, without the relations the pages above count on.
describe('SQL statements per write', () => {
  it('F: createCustomer with its event', async () => {
    const input = { name: 'New customer', email: 'new.customer@example.com' };
    // The customer and its event: one statement.
    expect(await statementsOf(CREATE_CUSTOMER, { input })).toBe(1);
  });

  it('a payload selected past its columns: one statement more, however much it selects', async () => {
    const mutation = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { ${EVERY_FIELD} } userErrors { code } } }`;
    expect(await statementsOf(mutation, { input: { email: 'payload.compiled@example.com' } })).toBe(2);
    expect(await statementsOf(mutation, { input: { email: 'payload.resolved@example.com' } }, 'resolvers')).toBe(4);
  });
});
