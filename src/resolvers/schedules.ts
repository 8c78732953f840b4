import { NOW_SQL, nextResetAtSql, usageAtSql } from '../domain/usage.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { endDueSubscriptions } from './subscriptions.ts';

const column = (name: string) => `"${name}"`;

/**
 * Stores the resets that have come due (reads and meters see them already): each balance's usage
 * back to 0 and its next reset moved on. One statement, whose WHERE PostgreSQL re-checks on a row
 * another process reset first, so a reset happens once however many processes run this.
 */
export function resetDueBalances(prisma: PrismaClient): Promise<number> {
  return prisma.$executeRaw`
    UPDATE "Balance" SET usage = ${Prisma.raw(usageAtSql(column))}, "nextResetAt" = ${Prisma.raw(nextResetAtSql(column))}, "updatedAt" = ${Prisma.raw(NOW_SQL)}
    WHERE "nextResetAt" <= ${Prisma.raw(NOW_SQL)}`;
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
