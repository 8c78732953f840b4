import pg from 'pg';
import { createApiKey, hashApiKey } from '../src/auth/api-keys.ts';
import { openDatabase } from '../src/data/database.ts';
import { migrateDatabase } from '../src/data/migrate.ts';
import { BENCH_ACCOUNT_ID, BENCH_LIVE_KEY, BENCH_TEST_KEY } from './bench-account.ts';
import { HELPERS, INSERTS, MISSING_RANGES, PLAN } from './data-sql.ts';

const BATCH_SIZE = 20_000;

async function createDatabaseIfMissing(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
}

/** Creates and migrates the database if needed, and the bench account with its two known keys. */
export async function prepareBenchDatabase(databaseUrl: string): Promise<void> {
  await createDatabaseIfMissing(databaseUrl);
  const db = await openDatabase({ databaseUrl, poolSize: 1 });
  try {
    await migrateDatabase(db);
    const { prisma } = db;
    await prisma.account.upsert({ where: { id: BENCH_ACCOUNT_ID }, create: { id: BENCH_ACCOUNT_ID, name: 'Bench merchant' }, update: {} });
    for (const [key, env] of [
      [BENCH_TEST_KEY, 'TEST'],
      [BENCH_LIVE_KEY, 'LIVE'],
    ] as const) {
      const stored = await prisma.apiKey.findUnique({ where: { hash: hashApiKey(key) } });
      if (!stored) await createApiKey(prisma, BENCH_ACCOUNT_ID, env, key);
    }
  } finally {
    await db.close();
  }
}

/**
 * Reads every table and index of the bench database once (pg_prewarm), so that the operating
 * system's page cache holds what fits of them. Right after a load it holds little, and random
 * reads by id (C, E) then measure the disk: C's sides once answered 86 and 69 req/s, 824 and
 * 1,136 once warm. Returns what it did, for the log.
 */
export async function warmPageCache(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    const { rows } = await client.query<{ bytes: string }>(
      `SELECT (sum(pg_prewarm(c.oid::regclass, 'read')) * current_setting('block_size')::bigint)::text AS bytes
         FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'i')`,
    );
    const gigabytes = Number(rows[0].bytes) / 1024 ** 3;
    return `read ${gigabytes.toFixed(1)} GB of tables and indexes into the page cache in ${((performance.now() - started) / 1000).toFixed(0)} s`;
  } catch (error) {
    return `page cache not warmed (${error instanceof Error ? error.message : String(error)}): C and E may measure the disk`;
  } finally {
    await client.end();
  }
}

export async function countBenchCustomers(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ count: string }>(`SELECT count(*) FROM "Customer" WHERE "accountId" = $1 AND env = 'TEST'`, [
    BENCH_ACCOUNT_ID,
  ]);
  return Number(rows[0].count);
}

async function connectLoader(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  // Losing the last batches in a crash is harmless here: a rerun loads what is missing.
  await client.query('SET synchronous_commit = off');
  // Compiling each generated INSERT costs more than it saves.
  await client.query('SET jit = off');
  await client.query(HELPERS);
  return client;
}

async function missingBatches(client: pg.Client, target: number): Promise<[number, number][]> {
  const { rows } = await client.query<{ first: string; end: string }>(MISSING_RANGES, [target]);
  const batches: [number, number][] = [];
  for (const row of rows) {
    for (let from = Number(row.first); from < Number(row.end); from += BATCH_SIZE) {
      batches.push([from, Math.min(Number(row.end), from + BATCH_SIZE)]);
    }
  }
  return batches;
}

/**
 * Adds bench customers 0..target-1 (with their nested rows) that the database lacks, in
 * batches of one transaction each, on `workers` connections at once (PostgreSQL runs each
 * statement on one core). An interrupted load keeps what it committed; a rerun adds the rest.
 * Returns the number of customers added.
 */
export async function fillBenchCustomers(databaseUrl: string, target: number, log: (line: string) => void, workers = 2): Promise<number> {
  const clients = await Promise.all(Array.from({ length: workers }, () => connectLoader(databaseUrl)));
  try {
    const batches = await missingBatches(clients[0], target);
    const total = batches.reduce((sum, [from, to]) => sum + to - from, 0);
    if (!total) return 0;
    const started = Date.now();
    let loaded = 0;
    const queue = [...batches];
    const work = async (client: pg.Client) => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        const [from, to] = batch;
        await client.query('BEGIN');
        await client.query(PLAN, [from, to, BENCH_ACCOUNT_ID]);
        for (const { sql } of INSERTS) await client.query(sql);
        await client.query('COMMIT');
        loaded += to - from;
        const rate = Math.round(loaded / ((Date.now() - started) / 1000));
        log(
          `${loaded.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} customers loaded (${rate.toLocaleString('en-US')}/s, ~${Math.round((total - loaded) / rate)}s left)`,
        );
      }
    };
    await Promise.all(clients.map(work));
    log('VACUUM ANALYZE (visibility map and planner statistics for the new rows)');
    await clients[0].query('VACUUM ANALYZE');
    return total;
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}
