// npm start as production runs it (dist/main.js): WEB_CONCURRENCY workers behind one port, a dead
// worker replaced, live updates fanned out across the workers, all stopped by one SIGTERM.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/auth/accounts.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers.ts';
import { buildServer, eventually, startBuiltServer, subscribeOverSse } from './support/built-server.ts';
import { post } from './support/server-process.ts';

beforeAll(() => buildServer());

describe('on the embedded database', () => {
  it('refuses more than one worker, naming the reason', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cg-workers-'));
    try {
      const run = spawnSync(process.execPath, ['dist/main.js'], {
        env: { PATH: process.env.PATH, DATA_DIR: dataDir, WEB_CONCURRENCY: '2', PORT: '0' },
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('WEB_CONCURRENCY=2 needs PostgreSQL: the embedded database (PGlite) can be open in one process only');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const CREATE = 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code } } }';
const EVENTS = 'subscription($after: ID) { customerEvents(after: $after) { id type customerId } }';
const COUNT = '{ customers { totalCount } }';

describe.runIf(onPostgres)('npm start with 2 workers on PostgreSQL', () => {
  let database: TestDatabase;
  let key: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    key = (await createAccount(database.db.prisma, 'Workers Ltd')).testKey;
  });
  afterAll(() => database?.drop());

  it('serves from both behind one port, replaces a worker killed, fans live updates out across them, and stops on SIGTERM', async () => {
    const server = await startBuiltServer({ DATABASE_URL: database.url!, WEB_CONCURRENCY: '2' });
    const subscriptions: ReturnType<typeof subscribeOverSse>[] = [];
    try {
      expect(server.output()).toContain(', 2 workers');
      const [first, second] = server.workerPids();
      expect(server.workerPids()).toHaveLength(2);
      const create = async (name: string) => {
        const answer = await post(server.origin, key, CREATE, { input: { name } });
        expect(answer.data?.createCustomer.userErrors).toEqual([]);
        return answer.data.createCustomer.customer.id as string;
      };
      const createdEvent = async (customerId: string) =>
        (await database.db.prisma.event.findFirstOrThrow({ where: { customerId, type: 'CUSTOMER_CREATED' } })).id;

      // Resuming after an event, a subscription misses nothing written once it was asked for,
      // however long it takes to start listening.
      const after = await createdEvent(await create('Before'));
      // One connection each: the primary hands connections to the workers in turn.
      for (let i = 0; i < 6; i++) subscriptions.push(subscribeOverSse(server.origin, key, EVENTS, { after }));
      const one = await create('One');
      const sawCreation = (id: string) => (s: (typeof subscriptions)[number]) =>
        s.received.some((event) => event.data?.customerEvents.customerId === id);
      await eventually(
        () => subscriptions.every(sawCreation(one)),
        () => JSON.stringify(subscriptions.map((s) => s.received)),
      );

      process.kill(first, 'SIGKILL');
      const died = await server.waitForOutput(new RegExp(`Worker ${first} died of SIGKILL; starting another`));
      expect((await post(server.origin, key, COUNT)).data).toEqual({ customers: { totalCount: 2 } });
      // The subscriptions on the killed worker ended with it, the others go on: they were on both.
      await eventually(
        () => subscriptions.some((s) => s.ended()),
        () => 'no subscription ended with its worker',
      );
      const survivors = subscriptions.filter((s) => !s.ended());
      expect(survivors.length).toBeGreaterThan(0);
      // Each event reached subscriptions on both workers, so every one crossed from one to the other.
      const two = await create('Two');
      await eventually(
        () => survivors.every(sawCreation(two)),
        () => JSON.stringify(survivors.map((s) => s.received)),
      );

      const [, replacement] = await server.waitForOutput(/^Worker (\d+) listening/m, server.output().indexOf(died[0]));
      expect(server.workerPids().sort()).toEqual([second, Number(replacement)].sort());
      // With the other worker gone, the replacement answers alone.
      process.kill(second, 'SIGKILL');
      const diedToo = await server.waitForOutput(new RegExp(`Worker ${second} died of SIGKILL`));
      expect((await post(server.origin, key, COUNT)).data).toEqual({ customers: { totalCount: 3 } });
      await eventually(
        () => subscriptions.every((s) => s.ended()),
        () => 'a subscription outlived both its workers',
      );
      await server.waitForOutput(/^Worker \d+ listening/m, server.output().indexOf(diedToo[0]));
      expect(server.workerPids()).toHaveLength(2);

      // SIGTERM stops the workers even with a stream open: it is cut once no request can still be running.
      const open = subscribeOverSse(server.origin, key, EVENTS, { after });
      subscriptions.push(open);
      await eventually(
        () => open.received.length === 2,
        () => JSON.stringify(open.received),
      );
      expect(await server.stop()).toBe(0);
      await eventually(open.ended, () => 'the stream outlived its server');
    } finally {
      await Promise.all(subscriptions.map((s) => s.close()));
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).toContain('SIGTERM: stopping 2 workers');
    expect(server.output().match(/SIGTERM: finishing requests in flight, then closing the database/g)).toHaveLength(2);
  }, 180_000);
});
