import { scoped, type Tenant } from '../data/tenant.ts';
import { Prisma } from '../generated/prisma/client.ts';

/**
 * What deleting a customer leaves, as Stripe does it. The customer stays as a tombstone (id,
 * deleted, deletedAt, its currency and account balance) with its invoices, charges, purchases,
 * rewards, referrals and event history, so that what it was billed and paid stays readable and
 * its stats agree with its lists. Its personal data is erased everywhere, events included; its
 * subscriptions are canceled; its entities, balances, payment methods and referral codes go. Reads need no rule of
 * their own: the tombstone is what the database holds.
 */

/** The customer's columns that are personal data, and what they hold once erased. */
export const ERASED_CUSTOMER_COLUMNS = {
  externalId: null,
  name: null,
  email: null,
  phone: null,
  description: null,
  companyName: null,
  taxId: null,
  address: Prisma.DbNull,
  shipping: Prisma.DbNull,
  metadata: {},
  taxIds: [],
  invoicePrefix: null,
  fingerprint: null,
  stripeId: null,
} satisfies Prisma.CustomerUncheckedUpdateInput;

/** Personal columns whose before/after an event of a change records: erased from the event. */
export const ERASED_EVENT_FIELDS = Object.keys(ERASED_CUSTOMER_COLUMNS);

/** Runs in the deleting transaction, after the customer row was locked. */
export async function eraseCustomer(tx: Prisma.TransactionClient, tenant: Tenant, customerId: string, at: Date): Promise<void> {
  await tx.subscription.updateMany({
    where: scoped<Prisma.SubscriptionWhereInput>('Subscription', tenant, { customerId, status: { notIn: ['CANCELED', 'EXPIRED'] } }),
    data: { status: 'CANCELED', canceledAt: at, expiresAt: at },
  });
  await tx.entity.deleteMany({ where: scoped('Entity', tenant, { customerId }) });
  await tx.balance.deleteMany({ where: scoped('Balance', tenant, { customerId }) });
  await tx.paymentMethod.deleteMany({ where: scoped('PaymentMethod', tenant, { customerId }) });
  await tx.referralCode.deleteMany({ where: scoped('ReferralCode', tenant, { customerId }) });
  await tx.trialUsed.updateMany({ where: scoped('TrialUsed', tenant, { customerId }), data: { fingerprint: null } });
  // The before/after of each personal field an update recorded becomes null: the history says
  // that the email changed, not what it was.
  await tx.$executeRaw`
    UPDATE "Event" SET data = jsonb_set(data, '{changes}', (
      SELECT jsonb_object_agg(field, CASE WHEN field = ANY(${ERASED_EVENT_FIELDS}::text[]) THEN '{"before":null,"after":null}'::jsonb ELSE change END)
      FROM jsonb_each(data -> 'changes') AS changes(field, change)))
    WHERE "customerId" = ${customerId} AND "accountId" = ${tenant.accountId} AND env = ${tenant.env}::"Environment"
      AND jsonb_typeof(data -> 'changes') = 'object' AND data -> 'changes' <> '{}'::jsonb`;
  // An entity's externalId is the merchant's own id for a seat, often a person's login or email.
  await tx.$executeRaw`
    UPDATE "Event" SET data = data || '{"externalId": null}'::jsonb
    WHERE "customerId" = ${customerId} AND "accountId" = ${tenant.accountId} AND env = ${tenant.env}::"Environment" AND data ? 'externalId'`;
}
