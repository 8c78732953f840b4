import type { Server } from 'node:http';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/auth/accounts.ts';
import { createApp } from '../src/http/app.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, createTestDatabase, listenOnLoopback, type TestDatabase } from './helpers.ts';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

let testDb: TestDatabase;
let server: Server;
let url: string;
let authorization: string;

function withKey(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', authorization);
  return fetch(input, { ...init, headers });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  authorization = `Bearer ${(await createAccount(testDb.db.prisma, 'Merchant A')).testKey}`;
  server = createHttpServer(createApp({ db: testDb.db }), testDb.db);
  url = await listenOnLoopback(server);
});

afterAll(async () => {
  await closeServer(server);
  await testDb?.drop();
});

describe('graphql-http server audits (GraphQL over HTTP spec)', () => {
  const audits = serverAudits({ url: () => url, fetchFn: withKey });

  it.each(audits.map((audit) => [audit.name, audit] as const))('%s', async (_name, audit) => {
    const result = await audit.fn();
    expect(result.status, result.status === 'ok' ? undefined : result.reason).toBe('ok');
  });
});

describe('GET and POST', () => {
  it('answers a query over GET', async () => {
    const response = await withKey(`${url}?query=${encodeURIComponent('{ customers(first: 1) { totalCount } }')}`, {
      headers: { accept: GRAPHQL_RESPONSE },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain(GRAPHQL_RESPONSE);
    expect(await response.json()).toEqual({ data: { customers: { totalCount: 0 } } });
  });

  it('refuses a mutation over GET with 405 and Allow: POST, and writes nothing', async () => {
    const mutation = 'mutation { createCustomer(input: { email: "get@example.com" }) { customer { id } } }';
    const response = await withKey(`${url}?query=${encodeURIComponent(mutation)}`, { headers: { accept: GRAPHQL_RESPONSE } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toContain('POST');
    expect(await testDb.db.prisma.customer.count()).toBe(0);
  });

  it('answers a parse error with 400 and application/graphql-response+json', async () => {
    const response = await withKey(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE },
      body: JSON.stringify({ query: '{ customers(first: 1) {' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain(GRAPHQL_RESPONSE);
    const body = (await response.json()) as { data?: unknown; errors: { message: string }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toMatch(/^Syntax Error/);
  });

  it('answers a validation error with 400 and application/graphql-response+json', async () => {
    const response = await withKey(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE },
      body: JSON.stringify({ query: '{ customers(first: 1) { noSuchField } }' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain(GRAPHQL_RESPONSE);
    const body = (await response.json()) as { data?: unknown; errors: { message: string }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toContain('noSuchField');
  });
});
