// The HTTP server hands operations POSTed as JSON straight to Yoga's operation pipeline, without
// its Fetch layer (src/http/fast-path.ts). Every request here goes both over HTTP and to Yoga in
// process (`app.fetch`), and the two answers must be the same, status, headers and bytes; a Yoga
// plugin counts which requests went through Yoga's Fetch layer.
import { request as httpRequest, type Server } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config/limits.ts';
import { createHttpServer } from '../src/http/server.ts';
import type { Context } from '../src/resolvers/context.ts';
import { closeServer, createTestApp, listenOnLoopback, type TestApp } from './helpers.ts';
import { EVERY_FIELD } from './queries.ts';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// Set by Node's HTTP server on every answer (and by Yoga on an event stream's), and the request's
// id, a new one for each request that brings none (src/http/request-observation.ts).
const PER_ANSWER_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id']);

let yogaRequests = 0;
const countYogaRequests: Plugin = {
  onRequest() {
    yogaRequests++;
  },
};

let t: TestApp;
let server: Server;
let url: URL;
let customerId: string;

beforeAll(async () => {
  t = await createTestApp({ plugins: [countYogaRequests] });
  server = createHttpServer(t.app, t.db);
  url = new URL(await listenOnLoopback(server));
  const created = await t.request<{ createCustomer: { customer: { id: string } } }>(
    'mutation { createCustomer(input: { email: "ada@example.com", name: "Ada" }) { customer { id } } }',
  );
  customerId = created.data!.createCustomer.customer.id;
});

afterAll(async () => {
  await closeServer(server);
  await t?.close();
});

/** A POST over HTTP with exactly these headers (no defaults added, as fetch would). */
function overHttp(headers: Record<string, string>, body: Buffer, path = url.pathname): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      { host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const answerHeaders = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !PER_ANSWER_HEADERS.has(name))) as Record<
            string,
            string
          >;
          resolve({ status: res.statusCode!, headers: answerHeaders, body: Buffer.concat(chunks).toString() });
        });
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

async function inProcess(headers: Record<string, string>, body: Buffer, path = url.pathname): Promise<Answer> {
  const response = await t.app.fetch(`http://localhost${path}`, { method: 'POST', headers, body });
  // Yoga's Headers keep the case they were given; Node hands them over in lower case.
  const headerEntries = [...response.headers]
    .map(([name, value]) => [name.toLowerCase(), value])
    .filter(([name]) => !PER_ANSWER_HEADERS.has(name));
  return { status: response.status, headers: Object.fromEntries(headerEntries), body: await response.text() };
}

interface Sent {
  headers?: Record<string, string>;
  body: unknown;
  key?: string | null;
  path?: string;
}

const jsonWithKey = () => ({ 'content-type': 'application/json', authorization: `Bearer ${t.merchant.testKey}` });

/**
 * The answer over HTTP, checked equal to Yoga's, and whether Yoga handled the HTTP request. A
 * request with the same headers goes first: the server asks Yoga once which media type it answers
 * an Accept header with.
 */
async function send({ headers = {}, body, key = t.merchant.testKey, path }: Sent): Promise<Answer & { byYoga: boolean }> {
  const allHeaders = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers };
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  await overHttp(allHeaders, Buffer.from(JSON.stringify(TYPENAME)), path);
  const before = yogaRequests;
  const answer = await overHttp(allHeaders, bytes, path);
  const byYoga = yogaRequests > before;
  expect(answer).toEqual(await inProcess(allHeaders, bytes, path));
  return { ...answer, byYoga };
}

const TYPENAME = { query: '{ __typename }' };

describe('operations POSTed as JSON are answered without Yoga’s Fetch layer, as Yoga answers them', () => {
  it.each([
    ['no Accept header', {}],
    ['Accept: */*', { accept: '*/*' }],
    ['Accept: application/json', { accept: 'application/json' }],
    ['Accept: application/graphql-response+json', { accept: 'application/graphql-response+json' }],
    ['both, graphql-response first', { accept: 'application/graphql-response+json, application/json;q=0.9' }],
    ['both, json first', { accept: 'application/json, application/graphql-response+json' }],
    ['application/*', { accept: 'application/*' }],
    ['an event stream or JSON', { accept: 'text/event-stream, application/json' }],
    ['charset=utf-8 in the content type', { 'content-type': 'application/json; charset=utf-8' }],
  ])('%s', async (_name, headers: Record<string, string>) => {
    const answer = await send({ headers, body: TYPENAME });
    expect(answer.byYoga).toBe(false);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });
  });

  it('a customer with every field, by variables and operation name, with the statements of one execution', async () => {
    const body = Buffer.from(
      JSON.stringify({
        query: `query Other { __typename } query One($id: ID!) { customer(id: $id) { ${EVERY_FIELD} } }`,
        variables: { id: customerId },
        operationName: 'One',
        extensions: {},
      }),
    );
    const yogaBefore = yogaRequests;
    let answer!: Answer;
    const statements = await t.countStatements(async () => (answer = await overHttp(jsonWithKey(), body)));
    expect(yogaRequests).toBe(yogaBefore);
    expect(statements).toBe(await t.countStatements(() => inProcess(jsonWithKey(), body)));
    expect(answer).toEqual(await inProcess(jsonWithKey(), body));
    expect(JSON.parse(answer.body).data.customer).toMatchObject({ id: customerId, name: 'Ada', email: 'ada@example.com' });
  });

  it('a compiled read goes out as PostgreSQL wrote it: the same JSON, a JSON scalar as jsonb writes it', async () => {
    const created = await t.request<{ createCustomer: { customer: { id: string } } }>(
      'mutation { createCustomer(input: { email: "grete@example.com", name: "Grete Müller", metadata: { plan: "pro", seats: "3" } }) { customer { id } } }',
    );
    const body = Buffer.from(
      JSON.stringify({
        query: 'query($id: ID!) { customer(id: $id) { name metadata } }',
        variables: { id: created.data!.createCustomer.customer.id },
      }),
    );
    const answer = await overHttp(jsonWithKey(), body);
    const yoga = await inProcess(jsonWithKey(), body);
    expect(answer.body).toBe('{"data":{"customer":{"name":"Grete Müller","metadata":{"plan": "pro", "seats": "3"}}}}');
    expect(yoga.body).toBe(JSON.stringify(JSON.parse(answer.body)));
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    expect({ ...answer.headers, 'content-length': undefined }).toEqual({ ...yoga.headers, 'content-length': undefined });
  });

  it.each([
    [
      'a page over the cost limit (400)',
      {
        query:
          '{ customers(first: 100) { edges { node { invoices(first: 100) { edges { node { id } } } charges(first: 100) { edges { node { id } } } events(first: 100) { edges { node { id } } } } } } }',
      },
    ],
    [
      'a variable of the wrong type (400)',
      { query: 'query($first: Int) { customers(first: $first) { totalCount } }', variables: { first: 'ten' } },
    ],
    ['a page size out of range', { query: '{ customers(first: 1000) { totalCount } }' }],
    [
      'text PostgreSQL cannot store',
      { query: 'query($q: String) { customers(first: 1, filter: { search: $q }) { totalCount } }', variables: { q: 'a\u0000b' } },
    ],
  ])('with the errors of %s', async (_name, { key, ...body }: { key?: string | null; query: string }) => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const answer = await send({ body, key, headers: { accept } });
      expect(answer.byYoga).toBe(false);
      expect(JSON.parse(answer.body).errors.length).toBeGreaterThan(0);
    }
  });
});

describe('everything else is answered by Yoga, from the body already read', () => {
  it.each<[string, Sent]>([
    ['an unknown parameter', { body: { ...TYPENAME, persisted: true } }],
    ['a query that is not a string', { body: { query: 1 } }],
    ['variables that are a list', { body: { ...TYPENAME, variables: [] } }],
    ['a batch', { body: [TYPENAME, TYPENAME] }],
    ['JSON that is not an object', { body: '"{ __typename }"' }],
    ['invalid JSON', { body: '{"query": ' }],
    ['a body that is not UTF-8', { body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) }],
    ['an Origin header (CORS)', { body: TYPENAME, headers: { origin: 'https://shop.example' } }],
    ['Accept: text/event-stream', { body: TYPENAME, headers: { accept: 'text/event-stream' } }],
    ['Accept: text/html', { body: TYPENAME, headers: { accept: 'text/html' } }],
    ['application/graphql+json', { body: TYPENAME, headers: { 'content-type': 'application/graphql+json' } }],
    ['a query string in the URL', { body: TYPENAME, path: '/graphql?trace=1' }],
    ['a body over the limit (413)', { body: { query: `{ __typename } #${'x'.repeat(200 * 1024)}` } }],
  ])('%s', async (_name, sent) => {
    const answer = await send(sent);
    expect(answer.byYoga).toBe(true);
  });
});

describe('what Yoga is asked', () => {
  it('a mutation runs once', async () => {
    const customersBefore = await t.prisma.customer.count();
    await overHttp(jsonWithKey(), Buffer.from(JSON.stringify(TYPENAME)));
    const yogaBefore = yogaRequests;
    const mutation = 'mutation { createCustomer(input: { email: "grace@example.com" }) { customer { email } } }';
    const answer = await overHttp(jsonWithKey(), Buffer.from(JSON.stringify({ query: mutation })));
    expect(yogaRequests).toBe(yogaBefore);
    expect(JSON.parse(answer.body)).toEqual({ data: { createCustomer: { customer: { email: 'grace@example.com' } } } });
    expect(await t.prisma.customer.count()).toBe(customersBefore + 1);
  });

  it('the media type it answers an Accept header with, once per header', async () => {
    const headers = { ...jsonWithKey(), accept: 'application/graphql-response+json,application/json' };
    const body = Buffer.from(JSON.stringify({ query: '{ customers(first: 0) { totalCount } }' }));
    const before = yogaRequests;
    const first = await overHttp(headers, body);
    expect(yogaRequests).toBe(before + 1);
    expect(first.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8');
    expect(await overHttp(headers, body)).toEqual(first);
    expect(yogaRequests).toBe(before + 1);
  });
});

describe('a client that goes away', () => {
  it('stops the wait for its query at once, as Yoga does, not at the execution timeout', async () => {
    let done!: (result: ExecutionResult) => void;
    const stopped = new Promise<ExecutionResult>((resolve) => (done = resolve));
    const customersNeverLoad: Plugin = {
      onExecute({ args }) {
        const ctx = args.contextValue as unknown as Context;
        ctx.loaders = { ...ctx.loaders, node: () => new Promise(() => {}) };
        return {
          onExecuteDone({ result }) {
            if ('errors' in result && result.errors) done(result);
          },
        };
      },
    };
    // The resolvers read node(id) through the loaders, which this app's plugin makes wait forever.
    const waiting = await createTestApp({ plugins: [countYogaRequests, customersNeverLoad], compiledRead: false });
    const waitingServer = createHttpServer(waiting.app, waiting.db);
    try {
      const target = new URL(await listenOnLoopback(waitingServer));
      const body = JSON.stringify({ query: '{ node(id: "cus_000000000000000000000000") { id } }' });
      // The server learns from Yoga how it answers a request without an Accept header.
      await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TYPENAME) });
      const yogaBefore = yogaRequests;
      const sent = httpRequest({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${waiting.merchant.testKey}`,
          'content-length': Buffer.byteLength(body),
        },
      });
      sent.on('error', () => {});
      sent.end(body);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const goneAt = Date.now();
      sent.destroy();
      const result = await stopped;
      expect(Date.now() - goneAt).toBeLessThan(DEFAULT_LIMITS.executionTimeoutMs / 2);
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0].message).not.toContain('ran longer than');
      expect(yogaRequests).toBe(yogaBefore);
    } finally {
      await closeServer(waitingServer);
      await waiting.close();
    }
  });
});
