// Live updates through the public API: subscriptions over SSE (Yoga's own transport), fed by the
// events the verbs write, as they commit.
import { request, type Server } from 'node:http';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createAccount } from '../src/auth/accounts.ts';
import { revokeApiKey } from '../src/auth/api-keys.ts';
import { createApp } from '../src/http/app.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, createTestApp, createTestDatabase, listenOnLoopback, onPostgres, type TestApp } from './helpers.ts';
import { post, startServerProcess } from './support/server-process.ts';

let t: TestApp;
let server: Server;
let wsUrl: string;

beforeAll(async () => {
  t = await createTestApp();
  server = createHttpServer(t.app, t.db);
  wsUrl = (await listenOnLoopback(server)).replace('http:', 'ws:');
});
afterAll(async () => {
  await closeServer(server);
  await t?.close();
});

/** A graphql-ws subscription: what it received, and how it ended. */
function overWebSocket(query: string, variables: Record<string, unknown> = {}, authorization = `Bearer ${t.merchant.testKey}`) {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization }, retryAttempts: 0 });
  const received: any[] = [];
  let failure: unknown;
  let completed = false;
  const stop = client.subscribe(
    { query, variables },
    {
      next: (value) => void received.push(value),
      error: (error) => {
        failure = error;
      },
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    received,
    failure: () => failure,
    completed: () => completed,
    async until(check: () => boolean, timeoutMs = 5000) {
      const started = Date.now();
      while (!check()) {
        if (Date.now() - started > timeoutMs)
          throw new Error(`waited in vain; received ${JSON.stringify(received)}, error ${String(failure)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      stop();
      await client.dispose();
    },
  };
}

/** An SSE subscription read event by event; `close` ends it. */
function subscribe(
  query: string,
  variables: Record<string, unknown> = {},
  key = t.merchant.testKey,
  app: { fetch(url: string, init: RequestInit): Response | Promise<Response> } = t.app,
) {
  const controller = new AbortController();
  const response = app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const received: any[] = [];
  const errors: any[] = [];
  let buffer = '';
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const done = (async () => {
    reader = (await response).body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (/^event: next$/m.test(message) && data) {
            const payload = JSON.parse(data);
            (payload.errors ? errors : received).push(payload);
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    received,
    errors,
    status: async () => (await response).status,
    async waitFor(count: number, timeoutMs = 5000) {
      const started = Date.now();
      while (received.length < count) {
        if (Date.now() - started > timeoutMs) throw new Error(`got ${received.length} of ${count}: ${JSON.stringify(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    async close() {
      await reader?.cancel().catch(() => {});
      controller.abort();
      await done;
    },
  };
}

const CREATE = 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }';
const UPDATE = 'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } } }';

describe('customerEvents over SSE', () => {
  it('delivers each event of the tenant once, in order, and nothing of another', async () => {
    const sub = subscribe('subscription { customerEvents { id type customerId } }');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const created = await t.request(CREATE, { input: { name: 'Live one' } });
    const id = created.data!.createCustomer.customer.id;
    await t.request(CREATE, { input: { name: 'Elsewhere' } }, { key: t.otherMerchant.testKey });
    await t.request(UPDATE, { input: { id, name: 'Live two' } });
    const events = await sub.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sub.close();
    expect(sub.received.map((e) => e.data.customerEvents.type)).toEqual(['CUSTOMER_CREATED', 'CUSTOMER_UPDATED']);
    expect(events.every((e) => e.data.customerEvents.customerId === id)).toBe(true);
  });
});

describe('graphql-ws over WebSocket', () => {
  it('customerChanged answers the customer after each change, any selection', async () => {
    const created = await t.request(CREATE, { input: { name: 'Watched' } });
    const id = created.data!.createCustomer.customer.id;
    const sub = overWebSocket('subscription($id: ID!) { customerChanged(id: $id) { id name version stats { invoiceCount } } }', { id });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await t.request(UPDATE, { input: { id, name: 'Watched twice' } });
    await sub.until(() => sub.received.length === 1);
    expect(sub.received[0]).toEqual({ data: { customerChanged: { id, name: 'Watched twice', version: 2, stats: { invoiceCount: 0 } } } });
    await sub.close();
  });

  it('refuses a connection without a valid key, and queries run over it too', async () => {
    const refused = overWebSocket('subscription { customerEvents { id } }', {}, 'Bearer sk_test_000000000000000000000000');
    await refused.until(() => refused.failure() !== undefined);
    expect(JSON.stringify(refused.failure())).toContain('UNAUTHENTICATED');
    await refused.close();
    const query = overWebSocket('{ customers(first: 1) { totalCount } }');
    await query.until(() => query.completed());
    expect(query.received[0].data.customers.totalCount).toBeGreaterThan(0);
    await query.close();
  });
});

const EVENTS = 'subscription($after: ID, $customerId: ID) { customerEvents(after: $after, customerId: $customerId) { id type } }';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('resume, limits, revocation', () => {
  it('after: replays what was missed, in order, then goes live, each event once', async () => {
    const created = await t.request(CREATE, { input: { name: 'Resumed' } });
    const id = created.data!.createCustomer.customer.id;
    const [first] = await t.prisma.event.findMany({ where: { customerId: id } });
    for (const name of ['A', 'B', 'C']) await t.request(UPDATE, { input: { id, name } });
    const sub = subscribe(EVENTS, { after: first.id, customerId: id });
    // Writes while the replay is read: each still arrives once.
    await Promise.all(['D', 'E'].map((name) => t.request(UPDATE, { input: { id, name } })));
    await sub.waitFor(5);
    await t.request(UPDATE, { input: { id, name: 'F' } });
    await sub.waitFor(6);
    await pause(300);
    await sub.close();
    const stored = await t.prisma.event.findMany({ where: { customerId: id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(sub.received.map((e) => e.data.customerEvents.id)).toEqual(stored.slice(1).map((e) => e.id));
  });

  it('after: an event of another tenant is an unknown id', async () => {
    const other = await t.request(CREATE, { input: { name: 'Theirs' } }, { key: t.otherMerchant.testKey });
    const [theirs] = await t.prisma.event.findMany({ where: { customerId: other.data!.createCustomer.customer.id } });
    const sub = subscribe(EVENTS, { after: theirs.id });
    await pause(500);
    await sub.close();
    expect(sub.received).toEqual([]);
    expect(JSON.stringify(sub.errors)).toContain('BAD_USER_INPUT');
  });

  it('holds an API key to its number of subscriptions, and drops a subscriber too slow to read', async () => {
    const small = createApp({ db: t.db, liveLimits: { perKey: 1, perConnection: 1, queuedEvents: 3, replay: 10, idleConnectionMs: 1000 } });
    const held = subscribe(EVENTS, {}, t.merchant.testKey, small);
    await pause(200);
    const refused = subscribe(EVENTS, {}, t.merchant.testKey, small);
    await pause(300);
    expect(JSON.stringify(refused.errors)).toContain('TOO_MANY_SUBSCRIPTIONS');
    await refused.close();
    await held.close();
    // Replaying more than the limit is refused, saying what to do instead.
    const other = t.otherMerchant.testKey;
    for (let i = 0; i < 12; i++) await t.request(CREATE, { input: { name: `Other ${i}` } }, { key: other });
    const [oldest] = await t.prisma.event.findMany({
      where: { accountId: t.otherMerchant.accountId },
      orderBy: { createdAt: 'asc' },
      take: 1,
    });
    const tooFar = subscribe(EVENTS, { after: oldest.id }, other, small);
    await pause(300);
    await tooFar.close();
    expect(JSON.stringify(tooFar.errors)).toContain('More than 10 events followed');
    // A subscriber that stops reading is dropped once the socket's buffers are full and the
    // bound of queued events is passed; when it reads again, it finds why and the stream ends.
    const created = await t.request(CREATE, { input: { name: 'Busy' } });
    const id = created.data!.createCustomer.customer.id;
    const metadata = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`key${i}`, 'x'.repeat(500)]));
    const big = Array.from({ length: 10 }, (_, i) => `m${i}: metadata`).join(' ');
    const smallServer = createHttpServer(small, t.db);
    const url = new URL(await listenOnLoopback(smallServer));
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const req = request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${t.merchant.testKey}` },
        });
        req.on('error', reject);
        req.on('response', async (res) => {
          res.pause();
          await pause(200);
          for (let i = 0; i < 30; i++)
            await t.request(UPDATE, { input: { id, name: `Busy ${i}`, metadata: { ...metadata, i: String(i) } } });
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve(body));
          res.resume();
        });
        req.end(JSON.stringify({ query: `subscription($id: ID!) { customerChanged(id: $id) { name ${big} } }`, variables: { id } }));
      });
      expect(text).toContain('SUBSCRIBER_TOO_SLOW');
      expect(text.match(/"customerChanged":\{/g)?.length ?? 0).toBeLessThan(30);
    } finally {
      await closeServer(smallServer);
    }
  });

  it('a revoked key ends its subscriptions', async () => {
    const account = await createAccount(t.prisma, 'Revoked Ltd');
    const sub = subscribe(EVENTS, {}, account.testKey);
    await pause(300);
    await revokeApiKey(t.prisma, account.testKey);
    const started = Date.now();
    while (!sub.errors.length && Date.now() - started < 5000) await pause(20);
    await sub.close();
    expect(JSON.stringify(sub.errors)).toContain('UNAUTHENTICATED');
  });
});

describe('balanceChanged', () => {
  it('sends the balance after each track, grant and seat, one feature when asked', async () => {
    const created = await t.request(CREATE, { input: { name: 'Balances' } });
    const customerId = created.data!.createCustomer.customer.id;
    await t.request(
      'mutation { createPlan(input: { id: "live", name: "Live", features: [{ featureId: "calls", included: "10", interval: MONTH }, { featureId: "seats", included: "2", interval: ONE_OFF }] }) { userErrors { code } } }',
    );
    const all = subscribe('subscription($c: ID!) { balanceChanged(customerId: $c) { featureId usage remaining } }', { c: customerId });
    const calls = subscribe('subscription($c: ID!) { balanceChanged(customerId: $c, featureId: "calls") { featureId usage } }', {
      c: customerId,
    });
    await pause(300);
    await t.request('mutation($c: ID!) { attachPlan(input: { customerId: $c, planId: "live" }) { userErrors { code } } }', {
      c: customerId,
    });
    await t.request('mutation($c: ID!) { trackUsage(input: { customerId: $c, featureId: "calls", value: "4" }) { userErrors { code } } }', {
      c: customerId,
    });
    await t.request(
      'mutation($c: ID!) { createEntity(input: { customerId: $c, externalId: "w1", featureId: "seats" }) { userErrors { code } } }',
      { c: customerId },
    );
    await all.waitFor(4);
    await calls.waitFor(2);
    await pause(300);
    await all.close();
    await calls.close();
    // Each is the balance as it is when sent: never older than the change it follows.
    const sent = all.received.map((r) => r.data.balanceChanged);
    expect(sent.map((b) => b.featureId)).toEqual(['calls', 'seats', 'calls', 'seats']);
    expect(sent.slice(2)).toEqual([
      { featureId: 'calls', usage: '4', remaining: '6' },
      { featureId: 'seats', usage: '1', remaining: '1' },
    ]);
    expect(calls.received.map((r) => r.data.balanceChanged.featureId)).toEqual(['calls', 'calls']);
    expect(calls.received.at(-1).data.balanceChanged).toEqual({ featureId: 'calls', usage: '4' });
  });
});

// Two server processes share a PostgreSQL database: a write through one reaches a subscriber of the other.
describe.runIf(onPostgres)('across server processes', () => {
  it('delivers a write committed through one process to a subscriber of the other within a second', async () => {
    const database = await createTestDatabase();
    const account = await createAccount(database.db.prisma, 'Two processes');
    const servers = await Promise.all([
      startServerProcess({ DATABASE_URL: database.url }),
      startServerProcess({ DATABASE_URL: database.url }),
    ]);
    try {
      const remote = { fetch: (url: string, init: RequestInit) => fetch(url.replace('http://localhost', servers[0].origin), init) };
      const sub = subscribe(EVENTS, {}, account.testKey, remote);
      await pause(500);
      const sent = Date.now();
      const created = await post(servers[1].origin, account.testKey, CREATE, { input: { name: 'Far away' } });
      await sub.waitFor(1, 1000);
      expect(Date.now() - sent).toBeLessThan(1000);
      const [event] = await database.db.prisma.event.findMany({ where: { customerId: created.data.createCustomer.customer.id } });
      expect(sub.received[0].data.customerEvents).toEqual({ id: event.id, type: 'CUSTOMER_CREATED' });
      await sub.close();
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
      await database.drop();
    }
  });
});
