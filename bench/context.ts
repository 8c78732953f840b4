import pg from 'pg';
import { CUSTOMER_CURSOR, encodeCursor } from '../src/data/pagination.ts';
import { BENCH_ACCOUNT_ID } from './bench-account.ts';
import { METERED_BALANCES, METERED_CUSTOMERS } from './data-sql.ts';
import type { BenchContext } from './scenarios.ts';

const DEEP_POSITION = 900_000;
const PAGE = 20;
/** G's balances: enough that two of the 10 connections seldom meter the same row at once. */
const METERED = 1000;

/**
 * Reads what the scenarios need from the bench database, empties what F and G wrote last time
 * (the LIVE environment of the bench account: customers, and with them their balances and
 * events), and makes G's balances afresh there.
 */
export async function loadBenchContext(databaseUrl: string): Promise<BenchContext> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DELETE FROM "Customer" WHERE "accountId" = $1 AND env = 'LIVE'`, [BENCH_ACCOUNT_ID]);
    await client.query(METERED_CUSTOMERS, [BENCH_ACCOUNT_ID, METERED]);
    const metered = await client.query<{ customerId: string; featureId: string }>(METERED_BALANCES, [METERED]);
    // Statistics of the rows just made, as a running server's would have (autovacuum takes a
    // minute): without them, LIVE looks empty and the planner reads its 1,000 customers by
    // (accountId, env) instead of the one by its id.
    await client.query('ANALYZE "Customer", "Balance"');
    const live = `"accountId" = $1 AND env = 'TEST' AND "deletedAt" IS NULL`;
    const [{ count }] = (await client.query<{ count: string }>(`SELECT count(*) FROM "Customer" WHERE ${live}`, [BENCH_ACCOUNT_ID])).rows;
    const customerCount = Number(count);
    if (customerCount < PAGE + 1) throw new Error(`The bench database has ${customerCount} customers; load more with npm run bench:data`);
    const ids = await client.query<{ id: string; email: string }>(
      `SELECT id, email FROM "Customer" WHERE ${live} ORDER BY random() LIMIT 5000`,
      [BENCH_ACCOUNT_ID],
    );
    // The cursor of the customer at deepPosition, so the page starts right after it.
    const deepPosition = Math.min(DEEP_POSITION, customerCount - PAGE);
    const [deep] = (
      await client.query<{ id: string; createdAt: string }>(
        `SELECT id, to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt" FROM "Customer" WHERE ${live}
         ORDER BY "createdAt" DESC, id DESC OFFSET $2 LIMIT 1`,
        [BENCH_ACCOUNT_ID, deepPosition - 1],
      )
    ).rows;
    return {
      customerIds: ids.rows.map((row) => row.id),
      meteredBalances: metered.rows,
      // What a person types to find one customer: the end of the name and the number of the email (lovelace.123456@).
      lookups: ids.rows.slice(0, 1000).map(({ email }) => ({ email, search: email.slice(email.indexOf('.') + 1, email.indexOf('@') + 1) })),
      deepCursor: encodeCursor('Customer', CUSTOMER_CURSOR, { id: deep.id }),
      deepPosition,
      customerCount,
    };
  } finally {
    await client.end();
  }
}

export async function postgresVersion(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}
