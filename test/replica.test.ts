// Read replicas against a real hot standby of this machine's PostgreSQL (test/support/standby.ts):
// where each key's queries read, read-your-writes within and across processes, a paused (lagging)
// replica, live updates, and the replica stopped mid-test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/auth/accounts.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { loadConfig } from '../src/config/env.ts';
import { openDatabase } from '../src/data/database.ts';
import { createApp } from '../src/http/app.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers.ts';
import { type Standby, startStandby } from './support/standby.ts';

const CUSTOMER = 'query($id: ID!) { customer(id: $id) { id name } }';
const CUSTOMERS = '{ customers(first: 100) { totalCount edges { node { id name } } } }';
// Not a query the compiled read answers: plugin-prisma and Prisma Client read it.
const PLANS = '{ plans { id name } }';
const CREATE = 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id name } userErrors { code } } }';
const UPDATE = 'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id name } userErrors { code } } }';

/** Waits for `check` to hold, polling; fails after `tries`. */
async function until(check: () => Promise<boolean>, what: string, tries = 300) {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`waited in vain until ${what}`);
}

/** One server process: its own pools, listener and memory of writes, and where its statements ran. */
async function openProcess(primaryUrl: string, replicaUrl: string, replicaMaxLagMs: number) {
  const statements: { replica?: string }[] = [];
  const db = await openDatabase({
    databaseUrl: primaryUrl,
    replicaUrls: [replicaUrl],
    replicaMaxLagMs,
    onQuery: ({ replica }) => void statements.push({ replica }),
  });
  const app = createApp({ db });
  return {
    db,
    app,
    /** Sends an operation with `key`; answers its result and how many statements ran on the replica and on the primary. */
    async request(key: string, query: string, variables: Record<string, unknown> = {}) {
      const before = statements.length;
      const response = await app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown[] };
      const ran = statements.slice(before);
      return {
        status: response.status,
        ...body,
        onReplica: ran.filter((statement) => statement.replica).length,
        onPrimary: ran.filter((statement) => !statement.replica).length,
      };
    },
  };
}

type Process = Awaited<ReturnType<typeof openProcess>>;

describe('DATABASE_REPLICA_URLS', () => {
  it('takes PostgreSQL URLs separated by commas, beside DATABASE_URL', () => {
    const primary = 'postgresql://app@primary:5432/db';
    expect(
      loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URLS: ' postgresql://app@r1/db, postgres://app@r2:5433/db ,' }).replicaUrls,
    ).toEqual(['postgresql://app@r1/db', 'postgres://app@r2:5433/db']);
    expect(loadConfig({ DATABASE_URL: primary }).replicaUrls).toEqual([]);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URLS: 'r1:5432' })).toThrow(/postgresql:\/\/ URLs/);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgresql://app@r1/db' })).toThrow(/needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_MAX_LAG_MS: '0' })).toThrow(/DATABASE_REPLICA_MAX_LAG_MS/);
  });
});

describe.runIf(onPostgres)('read replicas (a hot standby started for this file)', () => {
  let testDb: TestDatabase;
  let standby: Standby;
  /** Two processes of one deployment, and one with a lag bound of half a second. */
  let one: Process;
  let two: Process;
  let strict: Process;
  /** Two keys of one account and environment: what one writes, the other sees. */
  let writer: string;
  let reader: string;
  const seeded: string[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    const account = await createAccount(testDb.db.prisma, 'Replicated');
    writer = account.testKey;
    reader = await createApiKey(testDb.db.prisma, account.accountId, 'TEST');
    standby = await startStandby(process.env.DATABASE_URL!);
    const replicaUrl = standby.url(new URL(testDb.url!).pathname.slice(1));
    one = await openProcess(testDb.url!, replicaUrl, 60_000);
    two = await openProcess(testDb.url!, replicaUrl, 60_000);
    strict = await openProcess(testDb.url!, replicaUrl, 500);
    for (const name of ['Ada', 'Grace', 'Edsger']) {
      const created = await one.request(writer, CREATE, { input: { name } });
      seeded.push(created.data.createCustomer.customer.id);
    }
    await one.request(writer, 'mutation { createPlan(input: { id: "pro", name: "Pro", features: [] }) { userErrors { code } } }');
  });

  afterAll(async () => {
    for (const server of [one, two, strict]) await server?.db.close();
    await standby?.remove();
    await testDb?.drop();
  });

  it('sends a query of a key without pending writes to the replica, all of it', async () => {
    await until(async () => (await one.request(reader, CUSTOMERS)).onReplica > 0, 'the replica serves');
    for (let i = 0; i < 10; i++) {
      const list = await one.request(reader, CUSTOMERS);
      expect(list.errors).toBeUndefined();
      expect(list.data.customers.totalCount).toBe(3);
      expect(list.onReplica).toBe(1);
      expect(list.onPrimary).toBe(0);
      const plans = await one.request(reader, PLANS);
      expect(plans.data.plans).toEqual([{ id: 'pro', name: 'Pro' }]);
      expect(plans.onReplica).toBeGreaterThan(0);
      expect(plans.onPrimary).toBe(0);
    }
  });

  it('reads a write back at once, by the same key, in the same process and in another', async () => {
    for (let i = 0; i < 40; i++) {
      const created = await one.request(writer, CREATE, { input: { name: `Written ${i}` } });
      const { id } = created.data.createCustomer.customer;
      const inThisProcess = await one.request(writer, CUSTOMER, { id });
      expect(inThisProcess.data.customer).toEqual({ id, name: `Written ${i}` });
      await two.request(writer, UPDATE, { input: { id, name: `Renamed ${i}` } });
      const inAnotherProcess = await one.request(writer, CUSTOMER, { id });
      expect(inAnotherProcess.data.customer).toEqual({ id, name: `Renamed ${i}` });
      expect((await two.request(writer, CUSTOMERS)).data.customers.totalCount).toBe(4 + i);
    }
  });

  it('with replay paused: the writer reads the primary in every process, another key the replica, a replica past the bound nobody', async () => {
    await standby.query('SELECT pg_wal_replay_pause()');
    await until(async () => {
      const [{ state }] = await standby.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state');
      return state === 'paused';
    }, 'replay pauses');
    const created = await one.request(writer, CREATE, { input: { name: 'Unreplayed' } });
    const { id } = created.data.createCustomer.customer;

    for (const server of [one, two]) {
      const own = await server.request(writer, CUSTOMER, { id });
      expect(own.data.customer).toEqual({ id, name: 'Unreplayed' });
      expect(own.onReplica).toBe(0);
    }
    // The replica has not replayed the write: answering without it proves the replica answered.
    const other = await one.request(reader, CUSTOMER, { id });
    expect(other.data.customer).toBeNull();
    expect(other.onReplica).toBe(1);

    await until(
      async () => (await strict.request(reader, CUSTOMER, { id })).data.customer?.name === 'Unreplayed',
      'the lagging replica is skipped',
    );
    const skipped = await strict.request(reader, CUSTOMER, { id });
    expect(skipped.errors).toBeUndefined();
    expect(skipped.onReplica).toBe(0);

    await standby.query('SELECT pg_wal_replay_resume()');
    await until(async () => {
      const own = await one.request(writer, CUSTOMER, { id });
      return own.onReplica > 0 && own.data.customer?.name === 'Unreplayed';
    }, 'the writer reads the replica once it has replayed the write');
    await until(async () => (await strict.request(reader, CUSTOMER, { id })).onReplica > 0, 'the caught-up replica serves again');
  });

  it('keeps live updates coming from the primary', async () => {
    const controller = new AbortController();
    const response = await one.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${writer}` },
      body: JSON.stringify({ query: 'subscription { customerEvents(types: [CUSTOMER_CREATED]) { type customerId } }' }),
      signal: controller.signal,
    });
    const stream = response.body!.getReader();
    let text = '';
    const created: string[] = [];
    const delivered = () => created.some((id) => text.includes(`"customerId":"${id}"`));
    const receiving = (async () => {
      const decoder = new TextDecoder();
      while (!delivered()) {
        const { value, done } = await stream.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();
    // Written by another process. The subscription listens only once its request is under way: writing until an event arrives does not depend on when.
    for (let i = 0; i < 20 && !delivered(); i++) {
      created.push((await two.request(writer, CREATE, { input: { name: `Live ${i}` } })).data.createCustomer.customer.id);
      await Promise.race([receiving, new Promise((resolve) => setTimeout(resolve, 250))]);
    }
    await stream.cancel();
    controller.abort();
    expect(delivered()).toBe(true);
  });

  it('answers every read from the primary, without an error, once the replica stops', async () => {
    await until(async () => (await one.request(reader, CUSTOMERS)).onReplica > 0, 'the replica serves');
    const { totalCount } = (await one.request(writer, CUSTOMERS)).data.customers;
    let stopped = false;
    // Reads run while the replica stops, and go on after.
    const reading = (async () => {
      const answers = [];
      for (let roundsAfterStop = 0; roundsAfterStop < 5; roundsAfterStop += stopped ? 1 : 0) {
        answers.push(
          await one.request(reader, CUSTOMERS),
          await one.request(reader, PLANS),
          await one.request(reader, CUSTOMER, { id: seeded[0] }),
        );
      }
      return answers;
    })();
    await standby.stop();
    stopped = true;
    const answers = await reading;
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
    }
    const after = await one.request(reader, CUSTOMERS);
    expect(after.data.customers.totalCount).toBe(totalCount);
    expect(after.onReplica).toBe(0);
    const created = await one.request(writer, CREATE, { input: { name: 'After the replica' } });
    const { id } = created.data.createCustomer.customer;
    expect((await two.request(writer, CUSTOMER, { id })).data.customer).toEqual({ id, name: 'After the replica' });
    expect((await two.request(reader, PLANS)).data.plans).toEqual([{ id: 'pro', name: 'Pro' }]);
  });
});
