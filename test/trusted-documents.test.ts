// Trusted documents through the public API: the documents `npm run codegen` registers
// (trusted-documents.json) run by their id, Apollo's automatic persisted queries register more,
// and with TRUSTED_DOCUMENTS=only nothing else runs, over HTTP (Yoga and the server's fast path)
// and over WebSocket.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { limitsFromEnv } from '../src/config/limits.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, createTestApp, listenOnLoopback, type TestApp } from './helpers.ts';

const registered = Object.entries(
  JSON.parse(readFileSync(new URL('../trusted-documents.json', import.meta.url), 'utf8')) as Record<string, string>,
);

/** The id and text of the registered document holding the operation `signature` (e.g. `query Customer(`). */
function registeredDocument(signature: string) {
  const found = registered.find(([, text]) => text.includes(signature));
  if (!found) throw new Error(`no registered document holds ${signature}`);
  return { id: found[0], text: found[1] };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (id: string) => ({ persistedQuery: { version: 1, sha256Hash: id } });

const CREATE = registeredDocument('mutation CreateCustomer(');
const READ = registeredDocument('query Customer(');
const AD_HOC_CREATE = 'mutation AdHoc($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }';

interface Answer {
  status: number;
  body: { data?: Record<string, any>; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** POSTs a GraphQL request's parameters as JSON to `url` with the app's `fetch` or the global one. */
async function post(send: typeof fetch, url: string, key: string, params: Record<string, unknown>): Promise<Answer> {
  const response = await send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${key}` },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

function customerInput(email: string) {
  return { input: { name: 'Trusted', email } };
}

describe('by default', () => {
  let t: TestApp;
  const send = (params: Record<string, unknown>) =>
    post(t.app.fetch as typeof fetch, 'http://localhost/graphql', t.merchant.testKey, params);

  beforeAll(async () => {
    t = await createTestApp({ limits: limitsFromEnv({}) });
  });
  afterAll(() => t?.close());

  it('runs a registered document by its id, and any document', async () => {
    expect(registered.every(([id, text]) => id === sha256(text))).toBe(true);
    const created = await send({ variables: customerInput('registered@example.com'), extensions: persisted(CREATE.id) });
    expect(created.status).toBe(200);
    const { id } = created.body.data!.createCustomer.customer;
    const read = await send({ variables: { id }, extensions: persisted(READ.id) });
    expect(read.body).toEqual({ data: { customer: expect.objectContaining({ id, email: 'registered@example.com' }) } });

    const adHoc = await t.request('query AnyDocument { customers(first: 5) { totalCount } }');
    expect(adHoc.data).toEqual({ customers: { totalCount: 1 } });
  });

  it('registers an automatic persisted query: an unknown id, then the document with its id, then the id alone', async () => {
    const query = 'query Apq { customers(first: 5) { totalCount } }';
    const unknown = await send({ extensions: persisted(sha256(query)) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors).toEqual([
      expect.objectContaining({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }),
    ]);

    const registering = await send({ query, extensions: persisted(sha256(query)) });
    expect(registering).toEqual({ status: 200, body: { data: { customers: { totalCount: 1 } } } });
    const byId = await send({ extensions: persisted(sha256(query)) });
    expect(byId).toEqual({ status: 200, body: { data: { customers: { totalCount: 1 } } } });

    const mismatch = await send({ query, extensions: persisted(sha256(`${query} `)) });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_MISMATCH');
  });
});

describe('TRUSTED_DOCUMENTS=only', () => {
  let t: TestApp;
  let server: Server;
  let url: string;
  const send = (params: Record<string, unknown>) =>
    post(t.app.fetch as typeof fetch, 'http://localhost/graphql', t.merchant.testKey, params);
  const customersWithEmail = (email: string) => t.prisma.customer.count({ where: { email } });

  /** Refused with TRUSTED_DOCUMENT_REQUIRED, having run no SQL statement. */
  async function expectRefused(sending: () => Promise<Answer>) {
    let answer: Answer | undefined;
    expect(
      await t.countStatements(async () => {
        answer = await sending();
      }),
    ).toBe(0);
    expect(answer!.status).toBe(400);
    expect(answer!.body.data).toBeUndefined();
    expect(answer!.body.errors?.map((error) => error.extensions?.code)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
  }

  beforeAll(async () => {
    t = await createTestApp({ limits: limitsFromEnv({ TRUSTED_DOCUMENTS: 'only' }) });
    server = createHttpServer(t.app, t.db);
    url = await listenOnLoopback(server);
  });
  afterAll(async () => {
    await closeServer(server);
    await t?.close();
  });

  it('is read from the environment', () => {
    expect(limitsFromEnv({ TRUSTED_DOCUMENTS: 'only' }).trustedDocuments).toBe('only');
    expect(limitsFromEnv({}).trustedDocuments).toBe('any');
    expect(() => limitsFromEnv({ TRUSTED_DOCUMENTS: 'some' })).toThrow(/TRUSTED_DOCUMENTS must be only or any/);
  });

  it('runs a registered document by its id', async () => {
    const created = await send({ variables: customerInput('only@example.com'), extensions: persisted(CREATE.id) });
    expect(created.status).toBe(200);
    const { id } = created.body.data!.createCustomer.customer;
    const read = await send({ variables: { id }, extensions: persisted(READ.id) });
    expect(read.body.data?.customer).toMatchObject({ id, email: 'only@example.com' });
  });

  it('refuses a document, an unregistered id and an automatic persisted query, and runs none of them', async () => {
    const variables = customerInput('adhoc@example.com');
    await expectRefused(() => send({ query: AD_HOC_CREATE, variables }));
    await expectRefused(() => send({ variables, extensions: persisted(sha256(AD_HOC_CREATE)) }));
    await expectRefused(() => send({ query: AD_HOC_CREATE, variables, extensions: persisted(sha256(AD_HOC_CREATE)) }));
    await expectRefused(() => send({ variables, extensions: persisted(sha256(AD_HOC_CREATE)) }));
    // A registered document's text is not its id either.
    await expectRefused(() => send({ query: CREATE.text, variables }));
    await expectRefused(() => send({}));
    expect(await customersWithEmail('adhoc@example.com')).toBe(0);
  });

  it("holds over the HTTP server's fast path", async () => {
    const variables = customerInput('fast@example.com');
    await expectRefused(() => post(fetch, url, t.merchant.testKey, { query: AD_HOC_CREATE, variables }));
    await expectRefused(() => post(fetch, url, t.merchant.testKey, { variables, extensions: persisted(sha256(AD_HOC_CREATE)) }));
    expect(await customersWithEmail('fast@example.com')).toBe(0);
    const created = await post(fetch, url, t.merchant.testKey, { variables, extensions: persisted(CREATE.id) });
    expect(created.body.data?.createCustomer.customer.email).toBe('fast@example.com');
  });

  it('holds over WebSocket, where graphql-ws sends the text: only a registered one runs', async () => {
    const client = createClient({
      url: url.replace('http:', 'ws:'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${t.merchant.testKey}` },
      retryAttempts: 0,
    });
    const run = (query: string, variables: Record<string, unknown>) =>
      new Promise<{ data?: Record<string, any> | null; errors?: unknown }>((resolve) => {
        let result: { data?: Record<string, any> | null } = {};
        client.subscribe(
          { query, variables },
          {
            next: (value) => {
              result = value;
            },
            error: (errors) => resolve({ errors }),
            complete: () => resolve(result),
          },
        );
      });
    try {
      const refused = await run(AD_HOC_CREATE, customerInput('socket@example.com'));
      expect(refused.errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'TRUSTED_DOCUMENT_REQUIRED' }) }),
      ]);
      expect(await customersWithEmail('socket@example.com')).toBe(0);
      const created = await run(CREATE.text, customerInput('socket@example.com'));
      expect(created.data?.createCustomer.customer.email).toBe('socket@example.com');
    } finally {
      await client.dispose();
    }
  });
});
