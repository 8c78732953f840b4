import type { ResetInterval } from '../generated/prisma/enums.ts';

/**
 * How a balance's usage resets: when its nextResetAt passes, usage is back to 0 and the next reset
 * moves on by whole intervals from the same anchor (a month from the 31st lands on the last day of
 * a short month, and the 31st again after). Reads see a balance as it is at that instant whether
 * or not a write or the reset job has stored the reset yet; writes store it in the statement that
 * meters, so it happens once. The SQL function cg_next_reset (migrations 20261206000000 and
 * 20261209000000) is this rule for the database; test/next-reset.test.ts holds the two equal.
 */

export const NEXT_RESET_SQL = 'cg_next_reset';

const MONTHS: Partial<Record<ResetInterval, number>> = { MONTH: 1, YEAR: 12 };
const DAYS: Partial<Record<ResetInterval, number>> = { DAY: 1, WEEK: 7 };
const DAY_MS = 86_400_000;

/** `from` plus `count` intervals, as PostgreSQL adds them (months clamp to the end of a shorter month). */
export function addIntervals(from: Date, interval: ResetInterval, count: number): Date {
  const days = DAYS[interval];
  if (days) return new Date(from.getTime() + count * days * DAY_MS);
  const months = MONTHS[interval];
  if (!months) return from;
  const target = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + count * months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  target.setUTCHours(from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds());
  return target;
}

/** The first reset of a balance after `at` (its nextResetAt while that is still ahead); null for ONE_OFF. */
export function nextResetAt(due: Date | null, interval: ResetInterval, at: Date): Date | null {
  if (!due || due > at || interval === 'ONE_OFF') return due;
  const days = DAYS[interval];
  let count: number;
  if (days) {
    count = Math.floor((at.getTime() - due.getTime()) / (days * DAY_MS)) + 1;
  } else {
    const months = MONTHS[interval]!;
    const between = (at.getUTCFullYear() - due.getUTCFullYear()) * 12 + at.getUTCMonth() - due.getUTCMonth();
    count = Math.floor(between / months);
    if (addIntervals(due, interval, count) <= at) count += 1;
  }
  return addIntervals(due, interval, count);
}

interface Metered {
  usage: bigint;
  nextResetAt: Date | null;
  interval: ResetInterval;
}

/** A balance's usage and next reset as they are at `at`. */
export function asOf<B extends Metered>(balance: B, at: Date): B {
  if (!balance.nextResetAt || balance.nextResetAt > at) return balance;
  return { ...balance, usage: 0n, nextResetAt: nextResetAt(balance.nextResetAt, balance.interval, at) };
}

/** The current instant as the timestamp columns hold instants (UTC, without a zone). */
export const NOW_SQL = "(now() AT TIME ZONE 'UTC')";

/** SQL of a balance's usage at `at` (by default now); `column` names a column of the balance's row. */
export const usageAtSql = (column: (name: string) => string, at = NOW_SQL) =>
  `CASE WHEN ${column('nextResetAt')} <= ${at} THEN 0::bigint ELSE ${column('usage')} END`;

/** SQL of a balance's next reset at `at` (by default now). */
export const nextResetAtSql = (column: (name: string) => string, at = NOW_SQL) =>
  `${NEXT_RESET_SQL}(${column('nextResetAt')}, ${column('interval')}, ${at})`;
