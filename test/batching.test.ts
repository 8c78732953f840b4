import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoData, insertDemoData } from '../src/demo/seed.ts';
import { newId } from '../src/domain/ids.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { EVERY_FIELD, SELECTED_RELATIONS } from './queries.ts';

let t: TestApp;
let customerIds: string[];

/**
 * Demo data where every customer has every relation, so each page selects all of them. The
 * customers they referred are older ones, never on the pages measured, so no referral is
 * answered from the DataLoader's cache of the page itself.
 */
function richData(accountId: string) {
  const data = demoData(accountId, 'TEST', 100, 11);
  const referred = demoData(accountId, 'TEST', 100, 12, Date.now() - 10 * 365 * 86_400_000).customers.map((c, i) => ({
    ...c,
    externalId: `referred_${i}`,
    email: `referred.${i}@example.com`,
    invoicePrefix: null,
  }));
  data.customers.push(...referred);
  const has = (rows: { customerId: string }[], id: string) => rows.some((r) => r.customerId === id);
  data.customers.slice(0, 100).forEach((customer, i) => {
    const id = customer.id!;
    const createdAt = customer.createdAt as Date;
    if (!has(data.entities, id)) data.entities.push({ id: newId('Entity'), customerId: id, externalId: 'ws', createdAt });
    const entityId = data.entities.find((e) => e.customerId === id)!.id!;
    data.subscriptions.push({
      id: newId('Subscription'),
      customerId: id,
      entityId,
      planId: 'seat',
      status: 'ACTIVE',
      startedAt: createdAt,
      createdAt,
    });
    data.purchases.push({ id: newId('Purchase'), customerId: id, entityId: null, planId: 'credits', status: 'ACTIVE', createdAt });
    data.purchases.push({ id: newId('Purchase'), customerId: id, entityId, planId: 'credits', status: 'ACTIVE', createdAt });
    data.balances.push({ id: newId('Balance'), customerId: id, entityId, featureId: 'seats', interval: 'MONTH', createdAt });
    if (!data.balances.some((b) => b.customerId === id && !b.entityId && b.featureId === 'api_calls')) {
      data.balances.push({ id: newId('Balance'), customerId: id, featureId: 'api_calls', interval: 'MONTH', granted: 10n, createdAt });
    }
    if (!has(data.trialsUsed, id)) data.trialsUsed.push({ id: newId('TrialUsed'), customerId: id, planId: 'pro', createdAt });
    const rewardId = newId('Reward');
    data.rewards.push({
      id: rewardId,
      customerId: id,
      code: 'R',
      type: 'PERCENTAGE_DISCOUNT',
      percentOff: 10,
      duration: 'ONCE',
      createdAt,
    });
    data.referrals.push({
      id: newId('Referral'),
      customerId: id,
      programId: 'p',
      code: `C${i}`,
      referredCustomerId: referred[i].id,
      rewardId,
      createdAt,
    });
    if (!has(data.paymentMethods, id))
      data.paymentMethods.push({
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
  });
  return data;
}

beforeAll(async () => {
  t = await createTestApp();
  const data = richData(t.merchant.accountId);
  await insertDemoData(t.prisma, data);
  customerIds = data.customers.slice(0, 100).map((c) => c.id!);
});
afterAll(() => t.close());

describe('batching', () => {
  it('costs the same number of SQL statements for 1, 10 and 100 customers with every nested field', async () => {
    const query = `query($first: Int!) { customers(first: $first) { totalCount edges { node { ${EVERY_FIELD} } } } }`;
    const counts: number[] = [];
    for (const first of [1, 10, 100]) {
      counts.push(
        await t.countStatements(async () => {
          const res = await t.request(query, { first });
          expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
          expect(res.data!.customers.edges).toHaveLength(first);
        }),
      );
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);
    // The page, its totalCount, and at most one per selected relation (the API key is cached).
    expect(counts[0]).toBeLessThanOrEqual(2 + SELECTED_RELATIONS);
  });

  it('costs the same for customer(id) and for nodes(ids) of 1 and 100 customers', async () => {
    const byNodes = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { ${EVERY_FIELD} } } }`;
    const one = await t.countStatements(() => t.request(byNodes, { ids: [customerIds[0]] }));
    const hundred = await t.countStatements(async () => {
      const res = await t.request(byNodes, { ids: customerIds });
      expect(res.data!.nodes.every((n: { id?: string } | null) => n?.id)).toBe(true);
    });
    const single = await t.countStatements(() =>
      t.request(`query($id: ID!) { customer(id: $id) { ${EVERY_FIELD} } }`, { id: customerIds[0] }),
    );
    expect(hundred).toBe(one);
    expect(single).toBe(one);
    expect(one).toBeLessThanOrEqual(1 + SELECTED_RELATIONS);
  });
});
