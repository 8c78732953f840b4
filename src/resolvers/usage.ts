import { BIGINT_RANGE, fitsBigint } from '../data/column-ranges.ts';
import { scoped } from '../data/tenant.ts';
import { type UserError, UserErrors, userError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { asOf, NOW_SQL, nextResetAtSql, usageAtSql } from '../domain/usage.ts';
import { type Balance, Prisma } from '../generated/prisma/client.ts';
import type { EventType } from '../generated/prisma/enums.ts';
import type { Context } from './context.ts';
import { eventValue } from './events.ts';
import { once } from './idempotency.ts';
import { asPayload, checkFeatureId, checkId, findLiveCustomer, invalid, isOutOfRange } from './service.ts';

type Db = Prisma.TransactionClient;

/** Which balance: the customer's own (entityId null) or one of its entity's. */
export interface BalanceKey {
  customerId: string;
  entityId: string | null;
  featureId: string;
}

/** What a meter does to usage: add to it (a negative value credits), or set it. */
export type UsageChange = { add: bigint } | { set: bigint };

export type Metered = { outcome: 'METERED'; balance: Balance } | { outcome: 'NO_BALANCE' } | { outcome: 'INSUFFICIENT_BALANCE' };

const column = (name: string) => `b."${name}"`;

/** Where a meter's one statement runs: in a transaction, or alone (prepared on PostgreSQL, committing by itself). */
export type MeterRunner = <Row>(statement: Prisma.Sql) => Promise<Row[]>;

export const inTransaction =
  (tx: Db): MeterRunner =>
  (statement) =>
    tx.$queryRaw(statement);

const alone =
  (ctx: Context): MeterRunner =>
  (statement) =>
    ctx.write(statement.text, statement.values);

/**
 * Meters a balance in one statement: the balance is found among the caller's live customers, its
 * reset applied if due, and the change made only if the balance allows it (unlimited, overage
 * allowed, a credit, or enough left). PostgreSQL re-checks that condition on the row's latest
 * version when another transaction changed it first, so concurrent meters can never overdraw.
 * With `event`, the same statement records it with the usage after the change.
 */
export async function meter(
  run: MeterRunner,
  ctx: Context,
  key: BalanceKey,
  change: UsageChange,
  event?: { type: EventType; data: Record<string, unknown> },
): Promise<Metered> {
  const usageNow = Prisma.raw(usageAtSql(column));
  const nextReset = Prisma.raw(nextResetAtSql(column));
  const now = Prisma.raw(NOW_SQL);
  const [usage, allowed] =
    'add' in change
      ? [
          Prisma.sql`${usageNow} + ${change.add}::bigint`,
          Prisma.sql`(b.unlimited OR b."overageAllowed" OR ${change.add}::bigint <= 0 OR b.granted - ${usageNow} >= ${change.add}::bigint)`,
        ]
      : [Prisma.sql`${change.set}::bigint`, Prisma.sql`(b.unlimited OR b."overageAllowed" OR ${change.set}::bigint <= b.granted)`];
  const eventData = event ? Object.fromEntries(Object.entries(event.data).map(([name, value]) => [name, eventValue(value)])) : {};
  const recorded = event
    ? Prisma.sql`, recorded AS (
        INSERT INTO "Event" (id, "accountId", env, "customerId", type, data, "createdAt")
        SELECT ${newId('Event')}, ${ctx.caller.accountId}, ${ctx.caller.env}::"Environment", u."customerId", ${event.type}::"EventType",
          ${JSON.stringify(eventData)}::jsonb || jsonb_build_object('usage', u.usage::text), u."updatedAt"
        FROM updated u RETURNING 1)`
    : Prisma.empty;
  const rows = await run<Balance & { found: boolean }>(Prisma.sql`
    WITH target AS (
      SELECT b.id FROM "Balance" b JOIN "Customer" c ON c.id = b."customerId"
      WHERE c.id = ${key.customerId} AND b."customerId" = ${key.customerId} AND b."featureId" = ${key.featureId} AND b."entityId" IS NOT DISTINCT FROM ${key.entityId}
        AND c."accountId" = ${ctx.caller.accountId} AND c.env = ${ctx.caller.env}::"Environment" AND c."deletedAt" IS NULL
    ), updated AS (
      UPDATE "Balance" b SET usage = ${usage}, "nextResetAt" = ${nextReset}, "updatedAt" = ${now}
      FROM target WHERE b.id = target.id AND ${allowed}
      RETURNING b.*
    )${recorded}
    SELECT EXISTS (SELECT 1 FROM target) AS found, u.* FROM (SELECT 1) one LEFT JOIN updated u ON true`);
  const [{ found, ...balance }] = rows;
  if (!found) return { outcome: 'NO_BALANCE' };
  if (!balance.id) return { outcome: 'INSUFFICIENT_BALANCE' };
  return { outcome: 'METERED', balance: balance as Balance };
}

/** The userError of a meter that changed nothing, naming the feature and, when short, what is left. */
export async function refusal(
  db: Db,
  ctx: Context,
  key: BalanceKey,
  outcome: 'NO_BALANCE' | 'INSUFFICIENT_BALANCE',
  shortField = ['input', 'value'],
): Promise<UserError> {
  const owner = key.entityId ? 'entity' : 'customer';
  if (outcome === 'NO_BALANCE') {
    return userError(['input', 'featureId'], 'NO_BALANCE', `The ${owner} has no balance of feature "${key.featureId}"`);
  }
  const balance = await db.balance.findFirst({
    where: scoped('Balance', ctx.caller, { customerId: key.customerId, entityId: key.entityId, featureId: key.featureId }),
  });
  const remaining = balance ? (({ granted, usage }) => granted - usage)(asOf(balance, new Date())) : 0n;
  return userError(
    shortField,
    'INSUFFICIENT_BALANCE',
    `The ${owner}'s balance of "${key.featureId}" has ${remaining} left and allows no overage; nothing was deducted`,
  );
}

/** The entity, which must be one of the customer's, or a NOT_FOUND on `entityId`. */
export async function checkEntityOf(db: Db, ctx: Context, customerId: string, entityId: string | null | undefined, errors: UserError[]) {
  if (entityId == null) return null;
  const entity = await db.entity.findFirst({ where: scoped('Entity', ctx.caller, { id: entityId, customerId }) });
  if (!entity) errors.push(userError(['input', 'entityId'], 'NOT_FOUND', `The customer has no entity with id "${entityId}"`));
  return entity;
}

export interface BalancePayload {
  balance: Balance | null;
  userErrors: UserError[];
}

interface MeterInput {
  customerId: string;
  featureId: string;
  entityId?: string | null;
}

function checkMeterInput(input: MeterInput, amount: { field: string; value: bigint; rule: 'nonZero' | 'nonNegative' }): UserError[] {
  const errors: UserError[] = [];
  checkId(['input', 'customerId'], input.customerId, 'Customer', errors);
  if (input.entityId != null) checkId(['input', 'entityId'], input.entityId, 'Entity', errors);
  checkFeatureId(['input', 'featureId'], input.featureId, errors);
  const path = ['input', amount.field];
  if (!fitsBigint(amount.value)) {
    errors.push(userError(path, 'TOO_LARGE', `${amount.field} must be between ${BIGINT_RANGE.min} and ${BIGINT_RANGE.max}`));
  } else if (amount.rule === 'nonZero' && amount.value === 0n) {
    errors.push(invalid(path, `${amount.field} must not be 0 (a negative value credits usage back)`));
  } else if (amount.rule === 'nonNegative' && amount.value < 0n) {
    errors.push(invalid(path, `${amount.field} must be 0 or more`));
  }
  return errors;
}

/** Why a meter changed nothing, found after the fact: the customer, the entity, or the balance. */
async function meterFailure(
  db: Db,
  ctx: Context,
  key: BalanceKey,
  outcome: 'NO_BALANCE' | 'INSUFFICIENT_BALANCE',
  shortField: string[],
): Promise<UserErrors> {
  const errors: UserError[] = [];
  if (outcome === 'NO_BALANCE') {
    const customer = await findLiveCustomer(db, ctx, key.customerId);
    if (!customer) errors.push(userError(['input', 'customerId'], 'NOT_FOUND', `No customer with id "${key.customerId}"`));
    else await checkEntityOf(db, ctx, key.customerId, key.entityId, errors);
  }
  if (!errors.length) errors.push(await refusal(db, ctx, key, outcome, shortField));
  return new UserErrors(errors);
}

/** A balance write that is one statement without an Idempotency-Key, or that statement and the key's claim in one transaction. */
async function meterOnce(
  ctx: Context,
  operation: string,
  input: unknown,
  key: BalanceKey,
  change: UsageChange,
  event: { type: EventType; data: Record<string, unknown> },
): Promise<BalancePayload> {
  const meterWith = async (runner: MeterRunner, db: Db): Promise<BalancePayload> => {
    const metered = await meter(runner, ctx, key, change, event);
    if (metered.outcome !== 'METERED')
      throw await meterFailure(db, ctx, key, metered.outcome, ['input', 'add' in change ? 'value' : 'usage']);
    return { balance: metered.balance, userErrors: [] };
  };
  const result = await asPayload(() =>
    ctx.idempotencyKey === undefined
      ? meterWith(alone(ctx), ctx.prisma as unknown as Db)
      : ctx.prisma.$transaction((tx) =>
          once(tx, ctx, operation, input, () => meterWith(inTransaction(tx), tx), {
            remember: (payload) => ({ balanceId: payload.balance?.id ?? null }),
            recall: async ({ balanceId }, replayTx) => ({
              balance: balanceId ? await replayTx.balance.findFirst({ where: scoped('Balance', ctx.caller, { id: balanceId }) }) : null,
              userErrors: [],
            }),
          }),
        ),
  );
  return { balance: null, ...result };
}

export async function trackUsage(ctx: Context, input: MeterInput & { value?: bigint | null }): Promise<BalancePayload> {
  const value = input.value ?? 1n;
  const errors = checkMeterInput(input, { field: 'value', value, rule: 'nonZero' });
  if (errors.length) return { balance: null, userErrors: errors };
  const key = { customerId: input.customerId, entityId: input.entityId ?? null, featureId: input.featureId };
  try {
    return await meterOnce(
      ctx,
      'trackUsage',
      { ...input, value },
      key,
      { add: value },
      {
        type: 'USAGE_TRACKED',
        data: { featureId: key.featureId, entityId: key.entityId, value },
      },
    );
  } catch (error) {
    if (!isOutOfRange(error)) throw error;
    return { balance: null, userErrors: [userError(['input', 'value'], 'TOO_LARGE', 'usage would go beyond what a 64-bit number holds')] };
  }
}

export async function setUsage(ctx: Context, input: MeterInput & { usage: bigint }): Promise<BalancePayload> {
  const errors = checkMeterInput(input, { field: 'usage', value: input.usage, rule: 'nonNegative' });
  if (errors.length) return { balance: null, userErrors: errors };
  const key = { customerId: input.customerId, entityId: input.entityId ?? null, featureId: input.featureId };
  return meterOnce(
    ctx,
    'setUsage',
    input,
    key,
    { set: input.usage },
    {
      type: 'USAGE_SET',
      data: { featureId: key.featureId, entityId: key.entityId },
    },
  );
}

export type AccessCode = 'NO_BALANCE' | 'INSUFFICIENT_BALANCE';

export interface Access {
  allowed: boolean;
  code: AccessCode | null;
  balance: Balance | null;
}

/** Whether the balance (as it is now, reset if due) covers `required`, without writing. */
export function accessOf(balance: Balance | null, required: bigint): Access {
  if (!balance) return { allowed: false, code: 'NO_BALANCE', balance: null };
  const current = asOf(balance, new Date());
  const allowed = current.unlimited || current.overageAllowed || current.granted - current.usage >= required;
  return { allowed, code: allowed ? null : 'INSUFFICIENT_BALANCE', balance };
}
