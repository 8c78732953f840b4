// /metrics through the public API: the series an operator reads after real requests, the token,
// and METRICS=off.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config/limits.ts';
import { observabilityFromEnv } from '../src/config/observability.ts';
import type { App } from '../src/http/app.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, listenOnLoopback, onPostgres } from './helpers.ts';
import { createObservedApp, type ObservedApp } from './support/observed-app.ts';

const METRICS_ON = observabilityFromEnv({});

/** The value of the sample `name` whose labels include `labels`, or undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(app: App, headers: Record<string, string> = {}) {
  const response = await app.fetch('http://localhost/metrics', { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

const LIST = 'query ListCustomers { customers(first: 5) { edges { node { id email } } } }';

describe('/metrics', () => {
  let t: ObservedApp;
  beforeAll(async () => {
    t = await createObservedApp({ observability: METRICS_ON });
  });
  afterAll(() => t?.close());

  it('answers in the Prometheus text format', async () => {
    const { status, type, text } = await scrape(t.app);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE graphql_request_duration_seconds histogram');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
  });

  it('counts requests and their latency by operation name, status and outcome', async () => {
    for (let i = 0; i < 3; i++) expect((await t.post(LIST)).status).toBe(200);
    expect((await t.post(LIST, undefined, { key: null })).status).toBe(401);
    const { text } = await scrape(t.app);
    const success = { operation: 'ListCustomers', status: '200', outcome: 'success' };
    expect(sample(text, 'graphql_request_duration_seconds_count', success)).toBe(3);
    expect(sample(text, 'graphql_request_duration_seconds_sum', success)).toBeGreaterThan(0);
    expect(sample(text, 'graphql_request_duration_seconds_bucket', { ...success, le: '+Inf' })).toBe(3);
    // Refused before execution: the operation was never read.
    expect(sample(text, 'graphql_request_duration_seconds_count', { operation: 'anonymous', status: '401', outcome: 'error' })).toBe(1);
  });

  it('counts errors by code', async () => {
    const before = sample((await scrape(t.app)).text, 'graphql_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' }) ?? 0;
    expect((await t.post('query Broken { customers(first: 1) { nope } }')).status).toBe(400);
    expect((await t.post('query Missing { customer(id: "cus_nope") { id } }')).status).toBe(200);
    const { text } = await scrape(t.app);
    expect(sample(text, 'graphql_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(before + 1);
    expect(sample(text, 'graphql_errors_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(text, 'graphql_envelop_error_result', { phase: 'validate' })).toBeGreaterThanOrEqual(1);
  });

  it('counts the SQL statements of each request', async () => {
    const before = sample((await scrape(t.app)).text, 'graphql_sql_statements_per_request_sum', { operation: 'ListCustomers' }) ?? 0;
    const sent = t.statements.length;
    await t.post(LIST);
    const statements = t.statements.length - sent;
    expect(statements).toBeGreaterThan(0);
    const { text } = await scrape(t.app);
    expect(sample(text, 'graphql_sql_statements_per_request_sum', { operation: 'ListCustomers' })).toBe(before + statements);
    expect(sample(text, 'graphql_sql_statements_per_request_count', { operation: 'ListCustomers' })).toBe(4);
  });

  it('counts the statements the compiled read builds: one for a first page, one for every later page, whatever its cursor', async () => {
    for (const email of ['page.a@example.com', 'page.b@example.com', 'page.c@example.com', 'page.d@example.com']) {
      const created = await t.post('mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { userErrors { code } } }', {
        input: { email },
      });
      expect((await created.json()).data.createCustomer.userErrors).toEqual([]);
    }
    const PAGE = 'query Paging($after: String) { customers(first: 1, after: $after) { edges { cursor node { email } } } }';
    const compilations = async () => sample((await scrape(t.app)).text, 'graphql_compiled_read_compilations_total') ?? 0;
    const before = await compilations();
    const emails: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 4; page++) {
      const body = (await (await t.post(PAGE, { after })).json()) as {
        data: { customers: { edges: { cursor: string; node: { email: string } }[] } };
      };
      const [edge] = body.data.customers.edges;
      emails.push(edge.node.email);
      after = edge.cursor;
    }
    expect(await compilations()).toBe(before + 2);
    const whole = (await (await t.post('{ customers(first: 4) { edges { node { email } } } }')).json()) as {
      data: { customers: { edges: { node: { email: string } }[] } };
    };
    expect(emails).toEqual(whole.data.customers.edges.map((edge) => edge.node.email));
    expect(new Set(emails)).toEqual(new Set(['page.a@example.com', 'page.b@example.com', 'page.c@example.com', 'page.d@example.com']));
    // A cursor that is not one of this list's is refused by the resolvers, as ever.
    const refused = (await (await t.post(PAGE, { after: 'bm90IGEgY3Vyc29y' })).json()) as { errors: { extensions: { code: string } }[] };
    expect(refused.errors.map((error) => error.extensions.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('counts one statement for every customer looked up by externalId, email or search term, found or not', async () => {
    for (const n of [1, 2]) {
      const created = await t.post('mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { userErrors { code } } }', {
        input: { externalId: `lookup_${n}`, email: `lookup.${n}@example.com`, name: `Lookup ${n}` },
      });
      expect((await created.json()).data.createCustomer.userErrors).toEqual([]);
    }
    const data = async (query: string, variables: Record<string, unknown>) => {
      const body = (await (await t.post(query, variables)).json()) as { data?: any; errors?: { extensions: { code: string } }[] };
      expect(body.errors).toBeUndefined();
      return body.data;
    };
    const compilations = async () => sample((await scrape(t.app)).text, 'graphql_compiled_read_compilations_total') ?? 0;
    const before = await compilations();

    const BY_EXTERNAL_ID = 'query ByExternalId($externalId: String!) { customerByExternalId(externalId: $externalId) { email } }';
    for (const [externalId, email] of [
      ['lookup_1', 'lookup.1@example.com'],
      ['lookup_2', 'lookup.2@example.com'],
      ['lookup_3', undefined],
    ]) {
      expect((await data(BY_EXTERNAL_ID, { externalId })).customerByExternalId).toEqual(email ? { email } : null);
    }
    const BY_EMAIL = 'query ByEmail($email: String!) { customers(filter: { email: $email }) { totalCount edges { node { externalId } } } }';
    for (const [email, externalId] of [
      ['LOOKUP.1@example.com', 'lookup_1'],
      ['lookup.2@example.com', 'lookup_2'],
      ['lookup.3@example.com', undefined],
    ]) {
      const { customers } = await data(BY_EMAIL, { email });
      expect(customers).toEqual({ totalCount: externalId ? 1 : 0, edges: externalId ? [{ node: { externalId } }] : [] });
    }
    expect(await compilations()).toBe(before + 2);

    // A filter of another shape is another statement; a search is planned with its term.
    const FILTERED = 'query Filtered($filter: CustomerFilter) { customers(filter: $filter) { edges { node { externalId } } } }';
    const found = async (filter: unknown) =>
      (await data(FILTERED, { filter })).customers.edges.map((edge: { node: { externalId: string } }) => edge.node.externalId);
    expect(await found({ search: 'Lookup 1' })).toEqual(['lookup_1']);
    expect(await found({ search: 'lookup_2' })).toEqual(['lookup_2']);
    expect((await found({ search: 'ookup.' })).sort()).toEqual(['lookup_1', 'lookup_2']);
    expect(await found({ search: 'ookup.', email: 'lookup.1@example.com' })).toEqual(['lookup_1']);
    expect(await found({ search: 'ookup.', email: 'lookup.2@example.com' })).toEqual(['lookup_2']);
    expect(await compilations()).toBe(before + 4);
    // A filter the resolvers refuse is theirs to refuse, naming the argument.
    const refused = (await (await t.post(FILTERED, { filter: { createdAt: { gt: '0000-12-31T00:00:00Z' } } })).json()) as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(refused.errors.map((error) => error.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors[0].message).toContain('filter.createdAt.gt');
  });

  it('counts the requests the HTTP server answers on its fast path', async () => {
    const server: Server = createHttpServer(t.app, t.db);
    try {
      const url = await listenOnLoopback(server);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.merchant.testKey}` },
        body: JSON.stringify({ query: 'query FastPathed { __typename }' }),
      });
      expect(response.status).toBe(200);
      const metrics = await fetch(new URL('/metrics', url));
      const text = await metrics.text();
      expect(sample(text, 'graphql_request_duration_seconds_count', { operation: 'FastPathed', status: '200', outcome: 'success' })).toBe(
        1,
      );
    } finally {
      await closeServer(server);
    }
  });

  it('shows the open subscriptions, and one closed while it waits for an event is gone at once', async () => {
    const created = await t.post('mutation { createCustomer(input: { name: "Live" }) { customer { id } } }');
    const { id } = (await created.json()).data.createCustomer.customer;
    const openSubscriptions = async (expected: number) => {
      for (let tries = 0; sample((await scrape(t.app)).text, 'graphql_open_subscriptions') !== expected; tries++) {
        if (tries === 100) throw new Error(`graphql_open_subscriptions never came to ${expected}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    for (const query of ['subscription { customerEvents { id } }', `subscription { balanceChanged(customerId: "${id}") { id } }`]) {
      const controller = new AbortController();
      const response = await t.app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${t.merchant.testKey}` },
        body: JSON.stringify({ query }),
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      void reader.read().catch(() => {});
      await openSubscriptions(1);
      await reader.cancel().catch(() => {});
      controller.abort();
      await openSubscriptions(0);
    }
  });

  it.runIf(onPostgres)('shows the use of the PostgreSQL pool and what waits for it', async () => {
    const pool = t.db.pool!;
    const max = pool.options.max;
    // Every connection lent out, and one more read waiting for one.
    const held = await Promise.all(Array.from({ length: max }, () => pool.connect()));
    const waiting = t.db.read('SELECT 1', []);
    try {
      const { text } = await scrape(t.app);
      expect(sample(text, 'db_pool_max_connections')).toBe(max);
      expect(sample(text, 'db_pool_connections', { state: 'in_use' })).toBe(max);
      expect(sample(text, 'db_pool_connections', { state: 'idle' })).toBe(0);
      expect(sample(text, 'db_pool_waiting_clients')).toBe(1);
    } finally {
      for (const client of held) client.release();
    }
    await waiting;
    const { text } = await scrape(t.app);
    expect(sample(text, 'db_pool_connections', { state: 'in_use' })).toBe(0);
    expect(sample(text, 'db_pool_waiting_clients')).toBe(0);
  });

  it.skipIf(onPostgres)('has no pool series on the embedded database, which has no pool', async () => {
    expect((await scrape(t.app)).text).not.toContain('db_pool_');
  });

  it('counts rate-limit refusals', async () => {
    const limited = t.another({ observability: METRICS_ON, limits: { ...DEFAULT_LIMITS, rateLimit: { LIVE: 1, TEST: 1 } } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.post('{ __typename }', undefined, { to: limited })).status);
    const refused = statuses.filter((status) => status === 429).length;
    expect(refused).toBeGreaterThan(0);
    const { text } = await scrape(limited);
    expect(sample(text, 'graphql_rate_limit_refusals_total')).toBe(refused);
    expect(sample(text, 'graphql_errors_total', { code: 'RATE_LIMITED' })).toBe(refused);
  });

  it('keeps a registry per app: two apps in one process count apart', async () => {
    const other = t.another({ observability: METRICS_ON });
    await t.post('query OnlyOther { __typename }', undefined, { to: other });
    expect(sample((await scrape(other)).text, 'graphql_request_duration_seconds_count', { operation: 'OnlyOther' })).toBe(1);
    expect(sample((await scrape(t.app)).text, 'graphql_request_duration_seconds_count', { operation: 'OnlyOther' })).toBeUndefined();
  });

  it('with METRICS_TOKEN, answers only its bearer', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const guarded = t.another({ observability: observabilityFromEnv({ METRICS_TOKEN: token }) });
    const refused = await scrape(guarded);
    expect(refused.status).toBe(401);
    expect(refused.text).not.toContain('graphql_');
    expect((await scrape(guarded, { authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
    expect((await scrape(guarded, { authorization: token })).status).toBe(401);
    const allowed = await scrape(guarded, { authorization: `Bearer ${token}` });
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('graphql_request_duration_seconds');
  });

  it('with METRICS=off, has no /metrics, and answers GraphQL as ever', async () => {
    const off = t.another({ observability: observabilityFromEnv({ METRICS: 'off' }) });
    expect((await scrape(off)).status).toBe(404);
    expect((await t.post('{ __typename }', undefined, { to: off })).status).toBe(200);
  });

  it('refuses a METRICS value it does not know, and a short token', () => {
    expect(() => observabilityFromEnv({ METRICS: 'maybe' })).toThrow(/METRICS must be on or off/);
    expect(() => observabilityFromEnv({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});
