import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, type NewAccount } from '../src/auth/accounts.ts';
import { openDatabase } from '../src/data/database.ts';
import { migrateDatabase } from '../src/data/migrate.ts';
import { createApp } from '../src/http/app.ts';
import { createHttpServer } from '../src/http/server.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers.ts';
import { runNpmScript } from './support/cli.ts';
import { createProcessDatabase } from './support/process-database.ts';
import { post, type ServerProcess, startServerProcess } from './support/server-process.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';
import { recordTrust } from './support/trust-record.ts';

const READ = '{ customers(first: 5) { totalCount edges { node { id } } } }';
const CREATE = 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code } } }';
const UPDATE = 'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } userErrors { code } } }';

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await run();
  return { result, ms: Date.now() - started };
}

async function probe(origin: string, path: '/health' | '/ready') {
  const response = await fetch(`${origin}${path}`);
  return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
}

// "Database stopped" needs a database that can stop apart from the process: PostgreSQL, reached
// through a proxy that the test cuts (the shared server itself keeps running). The embedded
// database lives inside the process, so it has no such outage.
// Needs a database server shared by processes (or one that can be cut off): PostgreSQL only.
if (onPostgres)
  describe('the database goes away and comes back', () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let server: ServerProcess;
    let account: NewAccount;
    let customerId: string;

    beforeAll(async () => {
      database = await createTestDatabase();
      account = await createAccount(database.db.prisma, 'Outage Ltd');
      const target = new URL(database.url!);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      const viaProxy = new URL(database.url!);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      server = await startServerProcess({ DATABASE_URL: viaProxy.toString() });
    });
    afterAll(async () => {
      await server?.stop();
      await proxy?.close();
      await database?.drop();
    });

    it('serves while the database is up', async () => {
      const created = await post(server.origin, account.testKey, CREATE, { input: { name: 'Before' } });
      customerId = created.data.createCustomer.customer.id;
      expect((await post(server.origin, account.testKey, READ)).status).toBe(200);
      expect(await probe(server.origin, '/health')).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await probe(server.origin, '/ready')).toEqual({ status: 200, body: { status: 'ready' } });
    });

    it('fails fast with a masked 503 SERVICE_UNAVAILABLE while it is gone, and stays up', async () => {
      await proxy.cut();
      const requests = [
        () => post(server.origin, account.testKey, READ),
        () => post(server.origin, account.testKey, CREATE, { input: { name: 'During the outage' } }),
        () => post(server.origin, account.testKey, UPDATE, { input: { id: customerId, name: 'During the outage' } }),
      ];
      let tries = 0;
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all(requests.map((request) => timed(request)));
        for (const { result, ms } of answers) {
          expect(ms).toBeLessThan(5_000);
          expect(result.status).toBe(503);
          expect(result.errors).toHaveLength(1);
          expect(result.errors![0]).toMatchObject({
            message: 'The database is unavailable; retry in a few seconds',
            extensions: { code: 'SERVICE_UNAVAILABLE' },
          });
          expect(JSON.stringify(result)).not.toMatch(/127\.0\.0\.1|5432|ECONN|prisma|postgres/i);
          tries++;
        }
      }
      const ready = await timed(() => probe(server.origin, '/ready'));
      expect(ready.ms).toBeLessThan(5_000);
      expect(ready.result).toEqual({ status: 503, body: { status: 'unavailable', reason: 'database unreachable' } });
      expect(await probe(server.origin, '/health')).toEqual({ status: 200, body: { status: 'ok' } });
      expect(server.child.exitCode).toBeNull();
      recordTrust({
        attack: 'Fault: database unreachable (proxy cut), reads and writes',
        tries,
        outcome: `503 SERVICE_UNAVAILABLE, each in < 5 s; /health 200, /ready 503`,
        rowsChanged: '0',
      });
    });

    it('serves again by itself once the database is back', async () => {
      await proxy.restore();
      let answer = await post(server.origin, account.testKey, READ).catch(() => undefined);
      for (let attempt = 0; attempt < 60 && answer?.status !== 200; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        answer = await post(server.origin, account.testKey, READ).catch(() => undefined);
      }
      expect(answer?.status).toBe(200);
      expect(await probe(server.origin, '/ready')).toEqual({ status: 200, body: { status: 'ready' } });
      const created = await post(server.origin, account.testKey, CREATE, { input: { name: 'After' } });
      expect(created.data.createCustomer.userErrors).toEqual([]);
      // Nothing the outage refused was half written.
      expect(await database.db.prisma.customer.count({ where: { name: 'During the outage' } })).toBe(0);
      expect(await database.db.prisma.customer.count()).toBe(2);
    });
  });

describe('/ready', () => {
  it('is 503 while migrations are pending and 200 once they are applied', async () => {
    const db = await openDatabase({});
    const server = createHttpServer(createApp({ db }), db);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const pending = await probe(origin, '/ready');
      expect(pending.status).toBe(503);
      expect(pending.body.reason).toMatch(/^migrations pending: \d+_init/);
      expect((await probe(origin, '/health')).status).toBe(200);
      await migrateDatabase(db);
      expect(await probe(origin, '/ready')).toEqual({ status: 200, body: { status: 'ready' } });
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    }
  });
});

describe('a server killed with SIGKILL in the middle of 1000 writes', () => {
  it('leaves every acknowledged customer, and none without its CUSTOMER_CREATED event or the reverse', async () => {
    const database = await createProcessDatabase();
    try {
      const created = await runNpmScript('account:create', ['--name', 'Crash Ltd'], database.env);
      expect(created.code).toBe(0);
      const key = /TEST key: (sk_test_\w+)/.exec(created.stdout)![1];
      const server = await startServerProcess(database.env);
      const acknowledged: string[] = [];
      let sent = 0;
      const KILL_AFTER = 250;
      const worker = async () => {
        while (sent < 1000) {
          const i = sent++;
          try {
            const answer = await post(server.origin, key, CREATE, {
              input: { name: `Crash ${i}`, email: `crash-${i}@example.com`, metadata: { i: String(i) } },
            });
            if (answer.data?.createCustomer.userErrors.length === 0) acknowledged.push(answer.data.createCustomer.customer.id);
          } catch {
            return; // the server is gone
          }
          if (acknowledged.length === KILL_AFTER) server.child.kill('SIGKILL');
        }
      };
      try {
        await Promise.all(Array.from({ length: 8 }, worker));
      } finally {
        server.child.kill('SIGKILL');
      }
      await server.exited;
      expect(server.child.signalCode).toBe('SIGKILL');
      expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
      expect(sent).toBeLessThan(1000);

      const check = await database.inspect(async (db) => {
        const customers = await db.prisma.customer.findMany({
          select: { id: true, _count: { select: { events: { where: { type: 'CUSTOMER_CREATED' } } } } },
        });
        const events = await db.prisma.event.count({ where: { type: 'CUSTOMER_CREATED' } });
        return { ids: new Set(customers.map((c) => c.id)), withoutEvent: customers.filter((c) => c._count.events !== 1).length, events };
      });
      expect(acknowledged.filter((id) => !check.ids.has(id))).toEqual([]);
      expect(check.withoutEvent).toBe(0);
      expect(check.events).toBe(check.ids.size);
      // In flight when killed: committed or not, but nothing else.
      expect(check.ids.size - acknowledged.length).toBeGreaterThanOrEqual(0);
      expect(check.ids.size - acknowledged.length).toBeLessThanOrEqual(8);

      // The database recovers, and a new process serves what was written.
      const restarted = await startServerProcess(database.env);
      try {
        const count = await post(restarted.origin, key, '{ customers { totalCount } }');
        expect(count.data.customers.totalCount).toBe(check.ids.size);
      } finally {
        await restarted.stop();
      }
      recordTrust({
        attack: `Fault: SIGKILL after ${acknowledged.length} of 1000 creates acknowledged (8 in flight)`,
        tries: sent,
        outcome: `${acknowledged.length} acknowledged, all stored; ${check.ids.size - acknowledged.length} in-flight committed; restart serves them`,
        rowsChanged: `${check.ids.size} customers + ${check.events} events, no orphan`,
        lostWrites: 0,
        doubledWrites: 0,
      });
    } finally {
      await database.drop();
    }
  }, 240_000);
});
