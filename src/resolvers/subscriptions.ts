import { BILLING_LIMITS } from '../config/limits.ts';
import { BIGINT_RANGE, fitsBigint } from '../data/column-ranges.ts';
import { scoped, type Tenant } from '../data/tenant.ts';
import { type UserError, UserErrors, userError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { addIntervals } from '../domain/usage.ts';
import type { Customer, Prisma, PrismaClient, Subscription } from '../generated/prisma/client.ts';
import type { ResetInterval } from '../generated/prisma/enums.ts';
import type { Context } from './context.ts';
import { recordEvent } from './events.ts';
import { once } from './idempotency.ts';
import { asPayload, checkId, checkKey, invalid, lockLiveCustomer, notFound } from './service.ts';
import { checkEntityOf } from './usage.ts';

type Db = Prisma.TransactionClient;

/** What a subscription granted of one feature, kept on it (amounts as strings: JSON has no 64-bit integers). */
interface Grant {
  featureId: string;
  included: string;
  unlimited: boolean;
  overageAllowed: boolean;
  interval: ResetInterval;
}

/** Statuses in which a subscription grants its features. */
const LIVE_STATUSES = ['ACTIVE', 'PAST_DUE', 'SCHEDULED'] as const;

/** Subscriptions run month to month: the plans here have features, not prices or billing intervals. */
const BILLING_PERIOD: ResetInterval = 'MONTH';

const grantsOf = (subscription: Subscription) => subscription.grants as unknown as Grant[];

/** Adds grants to the owner's balances: a feature it has no balance of gets one, starting its reset schedule now. */
async function grant(tx: Db, tenant: Tenant, customerId: string, entityId: string | null, grants: Grant[], at: Date) {
  for (const g of grants) {
    const current = await tx.balance.findFirst({ where: scoped('Balance', tenant, { customerId, entityId, featureId: g.featureId }) });
    if (current) {
      const granted = current.granted + BigInt(g.included);
      if (!fitsBigint(granted)) {
        throw new UserErrors([
          userError(['input', 'quantity'], 'TOO_LARGE', `the balance of "${g.featureId}" would exceed ${BIGINT_RANGE.max}`),
        ]);
      }
      await tx.balance.updateMany({
        where: scoped('Balance', tenant, { id: current.id }),
        data: { granted, unlimited: current.unlimited || g.unlimited, overageAllowed: current.overageAllowed || g.overageAllowed },
      });
    } else {
      await tx.balance.create({
        data: {
          id: newId('Balance'),
          customerId,
          entityId,
          featureId: g.featureId,
          granted: BigInt(g.included),
          unlimited: g.unlimited,
          overageAllowed: g.overageAllowed,
          interval: g.interval,
          nextResetAt: g.interval === 'ONE_OFF' ? null : addIntervals(at, g.interval, 1),
        },
      });
    }
  }
}

/**
 * Takes back what a subscription granted: each balance loses the amount, and keeps unlimited or
 * overage only if another live subscription of the owner grants it; a balance no live subscription
 * grants any more goes.
 */
async function takeBack(tx: Db, tenant: Tenant, subscription: Subscription) {
  const { customerId, entityId } = subscription;
  const others = await tx.subscription.findMany({
    where: scoped('Subscription', tenant, { customerId, entityId, status: { in: [...LIVE_STATUSES] }, id: { not: subscription.id } }),
  });
  const otherGrants = others.flatMap(grantsOf);
  for (const g of grantsOf(subscription)) {
    const where = scoped<Prisma.BalanceWhereInput>('Balance', tenant, { customerId, entityId, featureId: g.featureId });
    const balance = await tx.balance.findFirst({ where });
    if (!balance) continue;
    const still = otherGrants.filter((other) => other.featureId === g.featureId);
    if (!still.length) {
      await tx.balance.deleteMany({ where });
      continue;
    }
    const granted = balance.granted - BigInt(g.included);
    await tx.balance.updateMany({
      where,
      data: {
        granted: granted < 0n ? 0n : granted,
        unlimited: still.some((other) => other.unlimited),
        overageAllowed: still.some((other) => other.overageAllowed),
      },
    });
  }
}

export interface AttachInput {
  customerId: string;
  planId: string;
  entityId?: string | null;
  quantity?: number | null;
  trialDays?: number | null;
}

export interface AttachPayload {
  subscription: Subscription | null;
  customer: Customer | null;
  userErrors: UserError[];
}

function checkAttachInput(input: AttachInput): UserError[] {
  const errors: UserError[] = [];
  checkId(['input', 'customerId'], input.customerId, 'Customer', errors);
  if (input.entityId != null) checkId(['input', 'entityId'], input.entityId, 'Entity', errors);
  checkKey(['input', 'planId'], input.planId, errors);
  const quantity = input.quantity ?? 1;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > BILLING_LIMITS.quantity) {
    errors.push(invalid(['input', 'quantity'], `must be a whole number from 1 to ${BILLING_LIMITS.quantity}`));
  }
  if (
    input.trialDays != null &&
    (!Number.isInteger(input.trialDays) || input.trialDays < 1 || input.trialDays > BILLING_LIMITS.trialDays)
  ) {
    errors.push(invalid(['input', 'trialDays'], `must be a whole number of days from 1 to ${BILLING_LIMITS.trialDays}`));
  }
  return errors;
}

/** The plan's features times the quantity, as attaching grants them. */
async function grantsToAttach(tx: Db, ctx: Context, input: AttachInput, errors: UserError[]): Promise<Grant[]> {
  const plan = await tx.plan.findFirst({ where: scoped('Plan', ctx.caller, { id: input.planId }), include: { features: true } });
  if (!plan) {
    errors.push(userError(['input', 'planId'], 'NOT_FOUND', `No plan with id "${input.planId}"`));
    return [];
  }
  if (plan.archivedAt) errors.push(userError(['input', 'planId'], 'PLAN_ARCHIVED', `Plan "${plan.id}" is archived and cannot be attached`));
  const quantity = BigInt(input.quantity ?? 1);
  return plan.features.map((feature) => {
    const included = feature.included * quantity;
    if (!fitsBigint(included)) {
      errors.push(userError(['input', 'quantity'], 'TOO_LARGE', `"${feature.featureId}" times the quantity exceeds ${BIGINT_RANGE.max}`));
    }
    return {
      featureId: feature.featureId,
      included: included.toString(),
      unlimited: feature.unlimited,
      overageAllowed: feature.overageAllowed,
      interval: feature.interval,
    };
  });
}

/** Attaches a plan: the subscription, its grants on the customer's (or entity's) balances and its event, in one transaction. */
export async function attachPlan(ctx: Context, input: AttachInput): Promise<AttachPayload> {
  const inputErrors = checkAttachInput(input);
  if (inputErrors.length) return { subscription: null, customer: null, userErrors: inputErrors };
  const attach = async (tx: Db): Promise<AttachPayload> => {
    const errors: UserError[] = [];
    const customer = await lockLiveCustomer(tx, ctx, input.customerId, ['input', 'customerId']);
    const entityId = input.entityId ?? null;
    await checkEntityOf(tx, ctx, customer.id, entityId, errors);
    const grants = await grantsToAttach(tx, ctx, input, errors);
    const active = await tx.subscription.findFirst({
      where: scoped('Subscription', ctx.caller, {
        customerId: customer.id,
        entityId,
        planId: input.planId,
        status: { in: [...LIVE_STATUSES] },
      }),
    });
    if (active) {
      errors.push(userError(['input', 'planId'], 'ALREADY_ATTACHED', `Plan "${input.planId}" is already active here (${active.id})`));
    }
    const trialUsed =
      input.trialDays != null &&
      (await tx.trialUsed.findFirst({ where: scoped('TrialUsed', ctx.caller, { customerId: customer.id, planId: input.planId }) }));
    if (trialUsed) {
      errors.push(userError(['input', 'trialDays'], 'TRIAL_ALREADY_USED', `The customer already had a trial of plan "${input.planId}"`));
    }
    if (errors.length) throw new UserErrors(errors);
    const at = new Date();
    const subscription = await tx.subscription.create({
      data: {
        id: newId('Subscription'),
        customerId: customer.id,
        entityId,
        planId: input.planId,
        status: 'ACTIVE',
        quantity: input.quantity ?? 1,
        startedAt: at,
        currentPeriodStart: at,
        currentPeriodEnd: addIntervals(at, BILLING_PERIOD, 1),
        trialEndsAt: input.trialDays == null ? null : addIntervals(at, 'DAY', input.trialDays),
        grants: grants as unknown as Prisma.InputJsonArray,
        createdAt: at,
      },
    });
    if (input.trialDays != null) {
      await tx.trialUsed.create({
        data: { id: newId('TrialUsed'), customerId: customer.id, planId: input.planId, fingerprint: customer.fingerprint, createdAt: at },
      });
    }
    await grant(tx, ctx.caller, customer.id, entityId, grants, at);
    await recordEvent(tx, ctx, customer.id, 'SUBSCRIPTION_CREATED', {
      subscriptionId: subscription.id,
      planId: input.planId,
      entityId,
      quantity: subscription.quantity,
      trialEndsAt: subscription.trialEndsAt,
      featureIds: grants.map((g) => g.featureId),
    });
    return { subscription, customer, userErrors: [] };
  };
  const result = await asPayload(() =>
    ctx.prisma.$transaction((tx) =>
      once(tx, ctx, 'attachPlan', input, () => attach(tx), {
        remember: (payload) => ({ subscriptionId: payload.subscription?.id ?? null, customerId: payload.customer?.id ?? null }),
        recall: async ({ subscriptionId, customerId }, replayTx) => ({
          subscription: await replayTx.subscription.findFirst({ where: scoped('Subscription', ctx.caller, { id: subscriptionId ?? '' }) }),
          customer: await replayTx.customer.findFirst({ where: scoped('Customer', ctx.caller, { id: customerId ?? '' }) }),
          userErrors: [],
        }),
      }),
    ),
  );
  return { subscription: null, customer: null, ...result };
}

export interface SubscriptionPayload {
  subscription: Subscription | null;
  userErrors: UserError[];
}

/**
 * Cancels a subscription now (CANCELED, its grants taken back) or at the end of its period
 * (canceledAt set, ACTIVE until currentPeriodEnd; the schedule ends it then).
 */
export async function cancelSubscription(ctx: Context, input: { id: string; atPeriodEnd?: boolean | null }): Promise<SubscriptionPayload> {
  const result = await asPayload(() =>
    ctx.prisma.$transaction(async (tx) => {
      const found = await tx.subscription.findFirst({ where: scoped('Subscription', ctx.caller, { id: input.id }) });
      if (!found) throw new UserErrors([notFound(['input', 'id'], 'subscription', input.id)]);
      await lockLiveCustomer(tx, ctx, found.customerId, ['input', 'id']);
      // Read again under the customer's lock: a concurrent cancel may have ended it meanwhile.
      const where = scoped<Prisma.SubscriptionWhereInput>('Subscription', ctx.caller, { id: found.id });
      const current = (await tx.subscription.findFirst({ where }))!;
      const ended = current.status === 'CANCELED' || current.status === 'EXPIRED';
      if (ended || (input.atPeriodEnd && current.canceledAt)) {
        throw new UserErrors([
          userError(
            ['input', 'id'],
            'ALREADY_CANCELED',
            `Subscription ${current.id} is already ${ended ? 'canceled' : 'set to end at its period end'}`,
          ),
        ]);
      }
      const at = new Date();
      if (input.atPeriodEnd && !(current.currentPeriodEnd && current.currentPeriodEnd > at)) {
        throw new UserErrors([
          invalid(['input', 'atPeriodEnd'], 'cannot be true: the subscription has no period end ahead; cancel it now'),
        ]);
      }
      const ending = input.atPeriodEnd
        ? { canceledAt: at, expiresAt: current.currentPeriodEnd }
        : { status: 'CANCELED' as const, canceledAt: at, expiresAt: at };
      await tx.subscription.updateMany({ where, data: ending });
      const subscription = { ...current, ...ending };
      if (!input.atPeriodEnd) await takeBack(tx, ctx.caller, subscription);
      await recordEvent(tx, ctx, current.customerId, 'SUBSCRIPTION_CANCELED', {
        subscriptionId: current.id,
        planId: current.planId,
        entityId: current.entityId,
        atPeriodEnd: Boolean(input.atPeriodEnd),
        endsAt: subscription.expiresAt,
        featureIds: input.atPeriodEnd ? [] : grantsOf(current).map((g) => g.featureId),
      });
      return { subscription, userErrors: [] };
    }),
  );
  return { subscription: null, ...result };
}

/** Ends the subscriptions set to end at their period end whose end has come: each in its customer's lock, once. */
export async function endDueSubscriptions(prisma: PrismaClient) {
  const due = await prisma.subscription.findMany({
    where: { status: { in: [...LIVE_STATUSES] }, canceledAt: { not: null }, expiresAt: { lte: new Date() } },
    select: { id: true, customerId: true },
    take: 1000,
  });
  for (const { id, customerId } of due) {
    await prisma.$transaction(async (tx) => {
      const [tenant] = await tx.$queryRaw<Tenant[]>`SELECT "accountId", env FROM "Customer" WHERE id = ${customerId} FOR UPDATE`;
      const subscription = await tx.subscription.findUnique({ where: { id } });
      if (!tenant || !subscription || !LIVE_STATUSES.includes(subscription.status as (typeof LIVE_STATUSES)[number])) return;
      if (!subscription.expiresAt || subscription.expiresAt > new Date()) return;
      await tx.subscription.update({ where: { id }, data: { status: 'CANCELED' } });
      await takeBack(tx, tenant, subscription);
      await tx.event.create({
        data: {
          id: newId('Event'),
          ...tenant,
          customerId,
          type: 'SUBSCRIPTION_ENDED',
          data: {
            subscriptionId: id,
            planId: subscription.planId,
            entityId: subscription.entityId,
            featureIds: grantsOf(subscription).map((g) => g.featureId),
          },
        },
      });
    });
  }
}
