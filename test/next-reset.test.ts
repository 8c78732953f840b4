import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEXT_RESET_SQL, NOW_SQL, nextResetAt } from '../src/domain/usage.ts';
import type { ResetInterval } from '../src/generated/prisma/enums.ts';
import { createTestDatabase, type TestDatabase } from './helpers.ts';

// When a balance next resets is one rule written twice: src/domain/usage.ts for the resolvers and
// the SQL function cg_next_reset for the compiled read and the metering statements.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

interface Case {
  due: Date | null;
  interval: ResetInterval;
  at: Date;
}

const DAY = 86_400_000;
const INTERVALS: ResetInterval[] = ['DAY', 'WEEK', 'MONTH', 'YEAR', 'ONE_OFF'];
const utc = (text: string) => new Date(`${text}Z`);
const sqlTimestamp = (date: Date) => date.toISOString().slice(0, -1);

/** cg_next_reset of every case, in one statement, as ISO instants. */
async function inSql(cases: Case[]): Promise<(string | null)[]> {
  const rows = await database.db.prisma.$queryRawUnsafe<{ next: string | null }[]>(
    `SELECT to_char(${NEXT_RESET_SQL}(c.due::timestamp(3), c.every::"ResetInterval", c.at::timestamp(3)), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS next
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS c(due, every, at, n) ORDER BY c.n`,
    cases.map((c) => (c.due ? sqlTimestamp(c.due) : null)),
    cases.map((c) => c.interval),
    cases.map((c) => sqlTimestamp(c.at)),
  );
  return rows.map((row) => row.next);
}

const inTypeScript = (cases: Case[]) => cases.map((c) => nextResetAt(c.due, c.interval, c.at)?.toISOString() ?? null);

describe('cg_next_reset and nextResetAt', () => {
  it('agree at the edges: month ends, leap days, a reset exactly now, one-off and unset', async () => {
    const cases: Case[] = [
      { due: utc('2024-01-31T10:00:00.000'), interval: 'MONTH', at: utc('2024-02-29T10:00:00.000') },
      { due: utc('2024-01-31T10:00:00.000'), interval: 'MONTH', at: utc('2024-02-29T09:59:59.999') },
      { due: utc('2024-01-31T10:00:00.000'), interval: 'MONTH', at: utc('2024-05-01T00:00:00.000') },
      { due: utc('2024-02-29T00:00:00.000'), interval: 'YEAR', at: utc('2025-02-28T00:00:00.000') },
      { due: utc('2024-02-29T00:00:00.000'), interval: 'YEAR', at: utc('2028-02-29T00:00:00.000') },
      { due: utc('2024-03-10T12:00:00.000'), interval: 'DAY', at: utc('2024-03-10T12:00:00.000') },
      { due: utc('2024-03-10T12:00:00.000'), interval: 'DAY', at: utc('2024-03-13T11:59:59.999') },
      { due: utc('2024-03-10T12:00:00.000'), interval: 'WEEK', at: utc('2024-03-24T12:00:00.000') },
      { due: utc('2024-03-10T12:00:00.000'), interval: 'ONE_OFF', at: utc('2025-01-01T00:00:00.000') },
      { due: utc('2030-01-01T00:00:00.000'), interval: 'MONTH', at: utc('2025-01-01T00:00:00.000') },
      { due: null, interval: 'MONTH', at: utc('2025-01-01T00:00:00.000') },
    ];
    const expected = inTypeScript(cases);
    expect(expected.slice(0, 3)).toEqual(['2024-03-31T10:00:00.000Z', '2024-02-29T10:00:00.000Z', '2024-05-31T10:00:00.000Z']);
    expect(await inSql(cases)).toEqual(expected);
  });

  it('agree on 2,000 random balances seen at random later instants', async () => {
    const instant = (from: number, to: number) => fc.integer({ min: from, max: to }).map((ms) => new Date(ms));
    const cases = fc.sample(
      fc
        .record({
          due: instant(Date.UTC(2000, 0, 1), Date.UTC(2040, 0, 1)),
          interval: fc.constantFrom(...INTERVALS),
          after: fc.oneof(fc.integer({ min: 0, max: 3 * DAY }), fc.integer({ min: 0, max: 3_000 * DAY })),
        })
        .map(({ due, interval, after }) => ({ due, interval, at: new Date(due.getTime() + after) })),
      { numRuns: 2_000, seed: 19 },
    );
    expect(await inSql(cases)).toEqual(inTypeScript(cases));
  });

  it('is inlined into the statement that calls it, so a prepared read does not plan it again at each execution', async () => {
    const plan = await database.db.prisma.$queryRawUnsafe<Record<string, string>[]>(
      `EXPLAIN (VERBOSE) SELECT ${NEXT_RESET_SQL}(b."nextResetAt", b."interval", ${NOW_SQL}) FROM "Balance" b`,
    );
    const text = plan.map((row) => Object.values(row).join('')).join('\n');
    expect(text).toContain('"nextResetAt"');
    expect(text).not.toContain(NEXT_RESET_SQL);
  });
});
