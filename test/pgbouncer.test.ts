// npm start behind PgBouncer (Debian's, 1.18), started here, in session and in transaction mode:
// two workers reading, writing and streaming through it; in transaction mode with
// DATABASE_PREPARED_STATEMENTS=false and LISTEN straight to PostgreSQL (DATABASE_DIRECT_URL).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/auth/accounts.ts';
import { revokeApiKey } from '../src/auth/api-keys.ts';
import { openDatabase } from '../src/data/database.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers.ts';
import {
  type BuiltServer,
  buildServer,
  eventually,
  postOnNewConnection,
  startBuiltServer,
  subscribeOverSse,
} from './support/built-server.ts';
import { post } from './support/server-process.ts';
import { type Standby, startStandby } from './support/standby.ts';

type PoolMode = 'session' | 'transaction';

function pgbouncerBinary(): string {
  const found = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin']
    .map((dir) => join(dir, 'pgbouncer'))
    .find((file) => existsSync(file));
  if (!found) throw new Error('pgbouncer is not installed: apt-get install -y pgbouncer (.ci/run does)');
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A PgBouncer in front of the PostgreSQL server of DATABASE_URL, as the `postgres` user when this
 * runs as root (PgBouncer refuses root). server_round_robin hands consecutive transactions to
 * different server connections, so a statement prepared on one is missing on the next.
 */
async function startPgBouncer(mode: PoolMode): Promise<{ url(database: string): string; stop(): Promise<void> }> {
  const binary = pgbouncerBinary();
  const server = new URL(process.env.DATABASE_URL!);
  const dir = mkdtempSync(join(tmpdir(), 'cg-pgbouncer-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, 'users.txt'), `"${server.username || 'postgres'}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `pool_mode = ${mode}`,
      'server_round_robin = 1',
      // Session mode holds a server connection per client: two workers' pools and listeners.
      `default_pool_size = ${mode === 'session' ? 60 : 4}`,
      `min_pool_size = ${mode === 'session' ? 0 : 4}`,
      'max_client_conn = 200',
    ].join('\n'),
  );
  const asPostgres =
    process.getuid?.() === 0
      ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) }
      : {};
  const child: ChildProcess = spawn(binary, [join(dir, 'pgbouncer.ini')], { ...asPostgres, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk;
      if (log.includes(`listening on 127.0.0.1:${port}`)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`pgbouncer exited with ${code}:\n${log}`)));
  });
  return {
    url(database) {
      const url = new URL(database);
      url.host = `127.0.0.1:${port}`;
      return url.toString();
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ERRORS = 'userErrors { field code message }';
const CREATE = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id name } ${ERRORS} } }`;
const CREATE_PLAN = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { plan { id } ${ERRORS} } }`;
const ATTACH = `mutation($input: AttachPlanInput!) { attachPlan(input: $input) { subscription { id status } ${ERRORS} } }`;
const TRACK = `mutation($input: TrackUsageInput!) { trackUsage(input: $input) { balance { featureId usage remaining } ${ERRORS} } }`;
const EVENTS = 'subscription($after: ID) { customerEvents(after: $after) { id type customerId } }';
const PAGE = `query($first: Int) { customers(first: $first) { totalCount edges { node { id name subscriptions { planId status } balances { featureId usage remaining } events(first: 5) { totalCount } } } } }`;
const ONE =
  'query($id: ID!) { customer(id: $id) { id name stats { invoiceCount } balance(featureId: "api") { usage } } node(id: $id) { id } }';
const SEARCH = 'query($search: String!) { customers(filter: { search: $search }) { edges { node { id name } } } }';

/** Scans of the Customer table that a database has run itself, by its cumulative statistics. */
async function customerScansOn(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async count() {
      // A new snapshot of the statistics each time, not the one the session took first.
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query(
        `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS scans FROM pg_stat_user_tables WHERE relname = 'Customer'`,
      );
      return Number(rows[0]?.scans ?? 0);
    },
    close: () => client.end(),
  };
}

describe.runIf(onPostgres).each<PoolMode>(['session', 'transaction'])('npm start with 2 workers behind PgBouncer in %s mode', (mode) => {
  let database: TestDatabase;
  let pgbouncer: Awaited<ReturnType<typeof startPgBouncer>>;
  let server: BuiltServer;
  let key: string;
  let standby: Standby | undefined;

  beforeAll(async () => {
    buildServer();
    database = await createTestDatabase();
    key = (await createAccount(database.db.prisma, 'Pooled Ltd')).testKey;
    pgbouncer = await startPgBouncer(mode);
    // The full set-up of SCALING.md in transaction mode: a hot standby takes the reads.
    if (mode === 'transaction') standby = await startStandby(process.env.DATABASE_URL!);
    server = await startBuiltServer({
      DATABASE_URL: pgbouncer.url(database.url!),
      WEB_CONCURRENCY: '2',
      // In transaction mode, a session of its own (LISTEN, the migrations' advisory lock) must go
      // straight to PostgreSQL; session pooling keeps one.
      ...(mode === 'transaction' ? { DATABASE_PREPARED_STATEMENTS: 'false', DATABASE_DIRECT_URL: database.url! } : {}),
      ...(standby ? { DATABASE_REPLICA_URLS: standby.url(new URL(database.url!).pathname.slice(1)) } : {}),
    });
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    await pgbouncer?.stop();
    await standby?.remove();
    await database?.drop();
  });

  it('reads, writes and streams through the pooler, and a revoked key is refused by every worker', async () => {
    const call = async (query: string, variables: Record<string, unknown>) => {
      const answer = await post(server.origin, key, query, variables);
      expect(answer.errors, server.output()).toBeUndefined();
      return answer.data;
    };
    const first = (await call(CREATE, { input: { name: 'Pooled first' } })).createCustomer.customer.id;
    const after = (await database.db.prisma.event.findFirstOrThrow({ where: { customerId: first } })).id;
    const subscriptions = Array.from({ length: 4 }, () => subscribeOverSse(server.origin, key, EVENTS, { after }));
    try {
      await call(CREATE_PLAN, { input: { id: 'pro', name: 'Pro', features: [{ featureId: 'api', included: '100', interval: 'MONTH' }] } });
      const ids = [first];
      for (let i = 0; i < 3; i++) {
        const created = await call(CREATE, { input: { name: `Pooled ${i}` } });
        expect(created.createCustomer.userErrors).toEqual([]);
        ids.push(created.createCustomer.customer.id);
      }
      for (const customerId of ids) {
        expect((await call(ATTACH, { input: { customerId, planId: 'pro' } })).attachPlan.subscription.status).toBe('ACTIVE');
        for (let i = 0; i < 3; i++) await call(TRACK, { input: { customerId, featureId: 'api', value: '2' } });
      }
      // Each read several times, some at once: a statement prepared on one server connection would
      // be missing on the next.
      for (let round = 0; round < 3; round++) {
        const page = (await call(PAGE, { first: 10 })).customers;
        expect(page.totalCount).toBe(4);
        expect(page.edges.map((edge: any) => edge.node.balances)).toEqual(
          ids.map(() => [{ featureId: 'api', usage: '6', remaining: '94' }]),
        );
        const customers = await Promise.all(ids.map(async (id) => (await call(ONE, { id })).customer));
        expect(customers).toEqual(ids.map((id) => expect.objectContaining({ id, balance: { usage: '6' } })));
        expect((await call(SEARCH, { search: 'Pooled 1' })).customers.edges).toEqual([{ node: { id: ids[2], name: 'Pooled 1' } }]);
      }

      if (standby) {
        // Reads of a key whose writes the standby has replayed are the standby's: its own scans of
        // the customers' table (polls of its replay position scan no table).
        const scans = await customerScansOn(standby.url(new URL(database.url!).pathname.slice(1)));
        const giveUpAt = Date.now() + 30_000;
        while ((await scans.count()) === 0) {
          if (Date.now() > giveUpAt) throw new Error(`no read reached the replica\n${server.output()}`);
          expect((await call(ONE, { id: ids[0] })).customer.id).toBe(ids[0]);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await scans.close();
      }

      // Every write's event reached every subscription, on whichever worker it is.
      const expected = await database.db.prisma.event.findMany({
        where: { customerId: { in: ids }, id: { not: after } },
        select: { id: true, type: true, createdAt: true },
      });
      const missing = (s: (typeof subscriptions)[number]) =>
        expected.filter((event) => !s.received.some((result) => result.data?.customerEvents?.id === event.id));
      await eventually(
        () => subscriptions.every((s) => s.received.length === expected.length),
        () =>
          `${expected.length} events expected; each subscription's missing ones, errors and end: ${JSON.stringify(
            subscriptions.map((s) => ({ missing: missing(s), errors: s.received.filter((result) => result.errors), ended: s.ended() })),
          )}\n${server.output()}`,
      );
      expect(subscriptions[0].received.filter((event) => event.data.customerEvents.type === 'USAGE_TRACKED')).toHaveLength(12);

      // Connections of their own reach both workers, each of which has the key cached.
      for (let i = 0; i < 4; i++) expect((await postOnNewConnection(server.origin, key, '{ customers { totalCount } }')).status).toBe(200);
      await revokeApiKey(database.db.prisma, key);
      for (let i = 0; i < 4; i++) expect((await postOnNewConnection(server.origin, key, '{ customers { totalCount } }')).status).toBe(401);
      await eventually(
        () => subscriptions.every((s) => s.ended()),
        () => 'a subscription of the revoked key goes on',
      );
    } finally {
      await Promise.all(subscriptions.map((s) => s.close()));
    }
  }, 180_000);

  it.runIf(mode === 'transaction')(
    "with prepared statements off, sends reads and a library's named statements unnamed, to whichever server connection",
    async () => {
      const db = await openDatabase({ databaseUrl: pgbouncer.url(database.url!), directUrl: database.url!, preparedStatements: false });
      try {
        const backends = new Set<number>();
        for (let round = 0; round < 5; round++) {
          const reads = await Promise.all(
            Array.from({ length: 8 }, (_, i) => db.read<{ n: number; pid: number }>('SELECT $1::int AS n, pg_backend_pid() AS pid', [i])),
          );
          expect(reads.map(([row]) => row.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
          for (const [row] of reads) backends.add(row.pid);
          const named = await Promise.all(
            Array.from({ length: 8 }, (_, i) => db.pool!.query({ name: 'named_by_a_library', text: 'SELECT $1::int AS n', values: [i] })),
          );
          expect(named.map(({ rows: [row] }) => row.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        }
        // The same pooled client met several server connections: a named statement would have been missing on one.
        expect(backends.size).toBeGreaterThan(1);
      } finally {
        await db.close();
      }
    },
  );
});
