// npx tsx bench/replica-figures.ts [--seconds S] [--keys K] [--write-share F]   (as root, like test/replica.test.ts)
// The figures of SCALING.md's "Read replicas": a hot standby of the PostgreSQL server at
// DATABASE_URL (default 127.0.0.1:5432) started as the tests start it, a database of its own, and
// K API keys of one account, each running a loop of `customer(id)` reads, a share of them preceded
// by an update by that key which the read must see. Prints where reads and statements ran, how
// far the replica trailed (bytes, sampled every 10 ms), how long an update took to be replayed,
// and the reads that missed their own key's update (must be none).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createAccount } from '../src/auth/accounts.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { openDatabase } from '../src/data/database.ts';
import { migrateDatabase } from '../src/data/migrate.ts';
import { parseLsn } from '../src/data/replicas.ts';
import { createApp } from '../src/http/app.ts';
import { startStandby } from '../test/support/standby.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    keys: { type: 'string', default: '8' },
    'write-share': { type: 'string', default: '0.1' },
  },
});
// The keys here send far more than a TEST key's 25 operations a second (limitsFromEnv reads this when the app is made).
process.env.RATE_LIMIT_TEST = '0';
const seconds = Number(values.seconds);
const keyCount = Number(values.keys);
const writeShare = Number(values['write-share']);

const serverUrl = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
const name = `cg_replica_figures_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: serverUrl.toString() });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
const primaryUrl = new URL(serverUrl);
primaryUrl.pathname = `/${name}`;

const standby = await startStandby(serverUrl.toString());
const primarySql = new pg.Client({ connectionString: primaryUrl.toString() });
const replicaSql = new pg.Client({ connectionString: standby.url(name) });
const statements = { primary: 0, replica: 0 };
const db = await openDatabase({
  databaseUrl: primaryUrl.toString(),
  replicaUrls: [standby.url(name)],
  onQuery: ({ replica }) => void (replica ? statements.replica++ : statements.primary++),
});
try {
  await migrateDatabase(db);
  const app = createApp({ db });
  const account = await createAccount(db.prisma, 'Replica figures');
  const keys = [account.testKey];
  while (keys.length < keyCount) keys.push(await createApiKey(db.prisma, account.accountId, 'TEST'));
  const send = async (key: string, query: string, variables: Record<string, unknown> = {}) => {
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: unknown[] };
  };
  const ids: string[] = [];
  for (let i = 0; i < 200; i++) {
    ids.push(
      (await send(keys[0], 'mutation($name: String) { createCustomer(input: { name: $name }) { customer { id } } }', { name: `c${i}` }))
        .data.createCustomer.customer.id,
    );
  }
  await primarySql.connect();
  await replicaSql.connect();
  const lsnOf = async (client: pg.Client, sql: string) => parseLsn((await client.query<{ lsn: string }>(sql)).rows[0].lsn);
  // Until the replica has the seed and the routing has seen it (a poll, 100 ms).
  const seededAt = await lsnOf(primarySql, 'SELECT pg_current_wal_insert_lsn()::text AS lsn');
  while ((await lsnOf(replicaSql, 'SELECT pg_last_wal_replay_lsn()::text AS lsn')) < seededAt) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 500));

  const behind: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const primary = await lsnOf(primarySql, 'SELECT pg_current_wal_lsn()::text AS lsn');
      const replica = await lsnOf(replicaSql, 'SELECT pg_last_wal_replay_lsn()::text AS lsn');
      behind.push(Math.max(0, Number(primary - replica)));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  const reads = { total: 0, missed: 0, errors: 0 };
  const perKey = Math.floor(ids.length / keys.length);
  let writes = 0;
  const before = { ...statements };
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    keys.map(async (key, k) => {
      for (let n = 0; Date.now() < until; n++) {
        // Each key its own customers: what it reads back is what it wrote, not another key's later write.
        const id = ids[k * perKey + (n % perKey)];
        let expected: string | undefined;
        if (Math.random() < writeShare) {
          expected = `k${k} n${n}`;
          const written = await send(
            key,
            'mutation($id: ID!, $name: String) { updateCustomer(input: { id: $id, name: $name }) { customer { name } } }',
            {
              id,
              name: expected,
            },
          );
          if (written.data?.updateCustomer.customer?.name !== expected) throw new Error(`the update failed: ${JSON.stringify(written)}`);
          writes++;
        }
        const answer = await send(key, 'query($id: ID!) { customer(id: $id) { id name } }', { id });
        reads.total++;
        if (answer.errors) reads.errors++;
        if (expected && answer.data?.customer?.name !== expected) reads.missed++;
      }
    }),
  );
  sampling = false;
  await sampler;
  const during = { primary: statements.primary - before.primary, replica: statements.replica - before.replica };

  // Time from an update's commit until the replica has replayed it, one update at a time.
  const replayMs: number[] = [];
  for (let i = 0; i < 200; i++) {
    await send(keys[0], 'mutation($id: ID!, $name: String) { updateCustomer(input: { id: $id, name: $name }) { customer { id } } }', {
      id: ids[i],
      name: `replayed ${i}`,
    });
    const written = await lsnOf(primarySql, 'SELECT pg_current_wal_flush_lsn()::text AS lsn');
    const started = performance.now();
    while ((await lsnOf(replicaSql, 'SELECT pg_last_wal_replay_lsn()::text AS lsn')) < written);
    replayMs.push(performance.now() - started);
  }

  const quantile = (list: number[], q: number) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))];
  console.log(
    JSON.stringify(
      {
        seconds,
        keys: keyCount,
        writeShare,
        writes,
        reads,
        // A customer(id) read is one statement, and nothing else of the workload reads the replica.
        readsOnReplicaShare: +(during.replica / reads.total).toFixed(3),
        statements: during,
        replicaBehindBytes: { samples: behind.length, p50: quantile(behind, 0.5), p99: quantile(behind, 0.99), max: Math.max(...behind) },
        replayAfterCommitMs: {
          p50: +quantile(replayMs, 0.5).toFixed(2),
          p99: +quantile(replayMs, 0.99).toFixed(2),
          max: +Math.max(...replayMs).toFixed(2),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await db.close();
  await primarySql.end().catch(() => {});
  await replicaSql.end().catch(() => {});
  await standby.remove();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
