import { createHash } from 'node:crypto';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from '../config/limits.ts';
import { scoped } from '../data/tenant.ts';
import { apiError, type UserError, UserErrors, userError } from '../domain/errors.ts';
import type { Customer, Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';

interface Created {
  customer: Customer | null;
  userErrors: UserError[];
}

function checkedKey(key: string): string {
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw apiError('BAD_USER_INPUT', `The Idempotency-Key header must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} characters, got ${key.length}`);
  }
  return key;
}

/** The same input hashes the same whatever the order of its fields. */
function hashOfInput(input: unknown): string {
  const canonical = JSON.stringify(input, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return value;
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** What a replay needs of a first result (ids only, so no personal data outlives a deletion), and how it reads the result again. */
export interface Replay<T> {
  remember(result: T): Prisma.InputJsonObject;
  recall(remembered: Record<string, string | null>, tx: Prisma.TransactionClient): Promise<T>;
}

/**
 * Runs `run` inside the caller's transaction at most once per Idempotency-Key (Stripe's rules):
 * the key is claimed by an INSERT in the same transaction as the write, so a concurrent request
 * with the key waits on it and then replays, and a failed write rolls its claim back with it (a
 * retry runs again; only successes are replayed). A key older than 24 hours is claimed anew.
 * The replay reads the objects of the first result as they are now.
 */
export async function once<T>(
  tx: Prisma.TransactionClient,
  ctx: Context,
  operation: string,
  input: unknown,
  run: () => Promise<T>,
  replay: Replay<T>,
): Promise<T> {
  if (ctx.idempotencyKey === undefined) return run();
  const key = checkedKey(ctx.idempotencyKey);
  const { accountId, env } = ctx.caller;
  const requestHash = hashOfInput(input);
  const claimed = await tx.$queryRaw<unknown[]>`
    INSERT INTO "IdempotencyKey" ("accountId", "env", "key", "operation", "requestHash", "createdAt")
    VALUES (${accountId}, ${env}::"Environment", ${key}, ${operation}, ${requestHash}, CURRENT_TIMESTAMP)
    ON CONFLICT ("accountId", "env", "key") DO UPDATE
      SET "operation" = EXCLUDED."operation", "requestHash" = EXCLUDED."requestHash",
          "response" = NULL, "createdAt" = EXCLUDED."createdAt"
      WHERE "IdempotencyKey"."createdAt" < CURRENT_TIMESTAMP - interval '24 hours'
    RETURNING 1`;
  const where = { accountId_env_key: { accountId, env, key } };
  if (claimed.length) {
    const result = await run();
    await tx.idempotencyKey.update({ where, data: { response: replay.remember(result) } });
    return result;
  }
  const first = await tx.idempotencyKey.findUniqueOrThrow({ where });
  if (first.operation !== operation || first.requestHash !== requestHash) {
    throw new UserErrors([
      userError(
        [],
        'IDEMPOTENCY_KEY_REUSED',
        `This Idempotency-Key was already used with ${first.operation === operation ? 'another input' : `another operation (${first.operation})`} in the last 24 hours; use a new key for a new request`,
      ),
    ]);
  }
  return replay.recall(first.response as Record<string, string | null>, tx);
}

/** A create whose result is a customer: replayed as that customer, read as it is now. */
export function createOnce(
  tx: Prisma.TransactionClient,
  ctx: Context,
  operation: string,
  input: unknown,
  create: () => Promise<Created>,
): Promise<Created> {
  return once(tx, ctx, operation, input, create, {
    remember: (result) => ({ customerId: result.customer?.id ?? null }),
    recall: async ({ customerId }, replayTx) => ({
      customer: customerId ? await replayTx.customer.findFirst({ where: scoped('Customer', ctx.caller, { id: customerId }) }) : null,
      userErrors: [],
    }),
  });
}
