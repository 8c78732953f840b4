import { NOW_SQL, nextResetAtSql, usageAtSql } from '../domain/usage.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { endDueSubscriptions } from './subscriptions.ts';

const column = (name: string) => `b."${name}"`;

/**
 * Stores the resets that have come due (reads and meters see them already): each balance's usage
 * back to 0 and its next reset moved on, with a BALANCE_RESET event. One statement, whose WHERE
 * PostgreSQL re-checks on a row another process reset first, so a reset happens once however many
 * processes run this. A meter that finds its balance due resets it in its own statement instead,
 * and its USAGE_TRACKED (or USAGE_SET) event says so by the usage it records.
 */
export function resetDueBalances(prisma: PrismaClient): Promise<number> {
  return prisma.$executeRaw`
    WITH reset AS (
      UPDATE "Balance" b SET usage = ${Prisma.raw(usageAtSql(column))}, "nextResetAt" = ${Prisma.raw(nextResetAtSql(column))},
        "updatedAt" = ${Prisma.raw(NOW_SQL)}
      FROM "Customer" c
      WHERE c.id = b."customerId" AND b."nextResetAt" <= ${Prisma.raw(NOW_SQL)}
      RETURNING b.id, b."customerId", b."entityId", b."featureId", b."nextResetAt", b."updatedAt", c."accountId", c.env
    )
    INSERT INTO "Event" (id, "accountId", env, "customerId", type, data, "createdAt")
    SELECT 'evt_' || substr(md5(random()::text || reset.id), 1, 24), reset."accountId", reset.env, reset."customerId", 'BALANCE_RESET',
      jsonb_build_object('balanceId', reset.id, 'featureId', reset."featureId", 'entityId', reset."entityId",
        'nextResetAt', to_char(reset."nextResetAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
      reset."updatedAt"
    FROM reset`;
}

/** What comes due with time: balance resets, subscriptions set to end at their period end. */
export async function runDueWork(prisma: PrismaClient): Promise<void> {
  await resetDueBalances(prisma);
  await endDueSubscriptions(prisma);
}

/** Runs the due work every `everyMs` until stopped; a failed round is logged by code and retried at the next. */
export function scheduleDueWork(prisma: PrismaClient, everyMs: number, onError: (error: unknown) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runDueWork(prisma)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
