// The request log through the public API: one JSON line per request, with its id, operation,
// status, duration and error codes, and nothing of what the request carried.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/http/log.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, listenOnLoopback } from './helpers.ts';
import { createObservedApp, type ObservedApp } from './support/observed-app.ts';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  operationName?: string;
  operationType?: string;
  status?: number;
  durationMs?: number;
  errorCodes?: string[];
  statements?: number;
}

const lines: string[] = [];
let t: ObservedApp;
beforeAll(async () => {
  t = await createObservedApp({ logger: createLogger({ write: (line: string) => void lines.push(line) }), logRequests: true });
});
afterAll(() => t?.close());

/** The lines logged while `run` ran, parsed. */
async function logOf(run: () => unknown): Promise<LogLine[]> {
  const before = lines.length;
  await run();
  return lines.slice(before).map((line) => JSON.parse(line) as LogLine);
}

const requestLines = (logged: LogLine[]) => logged.filter((line) => line.msg === 'request');

const CREATE = `mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id name email phone } userErrors { code } }
}`;
const UPDATE = `mutation Update($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id name email } userErrors { code } }
}`;

describe('the request log', () => {
  it('has one line per request, with its id answered back, its operation, status, duration and statements', async () => {
    let response: Response | undefined;
    const logged = await logOf(async () => {
      response = await t.post('query Names { customers(first: 3) { edges { node { name } } } }', undefined, {
        headers: { 'x-request-id': 'req-4f2a.9:b_c' },
      });
      await response.text();
    });
    expect(response?.headers.get('x-request-id')).toBe('req-4f2a.9:b_c');
    expect(logged).toHaveLength(1);
    const [line] = logged;
    expect(line).toMatchObject({
      level: 30,
      msg: 'request',
      requestId: 'req-4f2a.9:b_c',
      operationName: 'Names',
      operationType: 'query',
      status: 200,
    });
    expect(line.durationMs).toBeTypeOf('number');
    expect(line.statements).toBeGreaterThan(0);
    expect(line.errorCodes).toBeUndefined();
  });

  it('gives a request without a usable X-Request-Id one of its own, and answers it back', async () => {
    const unusable = 'has spaces and <markup>';
    let response: Response | undefined;
    const logged = await logOf(async () => {
      response = await t.post('{ __typename }', undefined, { headers: { 'x-request-id': unusable } });
    });
    const id = response?.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(requestLines(logged).map((line) => line.requestId)).toEqual([id]);
    expect(JSON.stringify(logged)).not.toContain('markup');
  });

  it('names the codes of a failed request', async () => {
    const logged = await logOf(() => t.post('query Who { customers(first: 1) { totalCount } }', undefined, { key: null }));
    expect(requestLines(logged)).toEqual([expect.objectContaining({ status: 401, errorCodes: ['UNAUTHENTICATED'] })]);
  });

  it('logs the requests the HTTP server answers on its fast path alike', async () => {
    const server: Server = createHttpServer(t.app, t.db);
    try {
      const url = await listenOnLoopback(server);
      const logged = await logOf(async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.merchant.testKey}`, 'x-request-id': 'fast-1' },
          body: JSON.stringify({ query: 'query Fast { __typename }' }),
        });
        expect(response.headers.get('x-request-id')).toBe('fast-1');
        await response.text();
      });
      expect(requestLines(logged)).toEqual([expect.objectContaining({ requestId: 'fast-1', operationName: 'Fast', status: 200 })]);
    } finally {
      await closeServer(server);
    }
  });
});

describe('the log of a representative run', () => {
  const people = [
    { name: 'Octavia Fairweather-Lindqvist', email: 'octavia.fairweather@example.com', phone: '+44 20 7946 0312' },
    { name: 'Bartholomew Okonkwo-Reyes', email: 'bart.okonkwo@example.org', phone: '+1 415 555 0187' },
    { name: 'Ingrid Søndergaard', email: 'ingrid.sondergaard@example.net', phone: '+45 32 12 34 56' },
  ];
  const renamed = { name: 'Octavia Lindqvist-Moreau', email: 'o.lindqvist.moreau@example.com', phone: '+44 20 7946 0999' };
  const address = { line1: '221B Baker Street', city: 'London', postalCode: 'NW1 6XE', country: 'GB' };

  it('holds no email, name, phone, address or API key that was sent', async () => {
    const before = lines.length;
    const ids: string[] = [];
    for (const person of people) {
      const created = (await (await t.post(CREATE, { input: { ...person, address } })).json()) as any;
      expect(created.data.createCustomer.userErrors).toEqual([]);
      ids.push(created.data.createCustomer.customer.id);
    }
    // Refused: the email is taken (a userError), and a value of the wrong type, which GraphQL quotes in its error.
    const taken = (await (await t.post(CREATE, { input: { email: people[1].email } })).json()) as any;
    expect(taken.data.createCustomer.userErrors.map((error: { code: string }) => error.code)).toEqual(['EMAIL_TAKEN']);
    const wrongType = await t.post(CREATE, { input: { name: [people[2].name], phone: { number: people[2].phone } } });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.text()).toContain(people[2].name);
    // Values inline in the document, as a client without variables sends them.
    await t.post(`query Find { customers(first: 1, filter: { email: "${people[0].email}" }) { edges { node { name phone } } } }`);
    await t.post(
      `mutation { updateCustomer(input: { id: "${ids[0]}", name: "${renamed.name}", email: "${renamed.email}" }) { customer { id } } }`,
    );

    // A subscription over SSE receives the update of a phone.
    const controller = new AbortController();
    const stream = await t.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${t.merchant.testKey}` },
      body: JSON.stringify({ query: `subscription Changed { customerChanged(id: "${ids[1]}") { name email phone } }` }),
      signal: controller.signal,
    });
    const reader = stream.body!.getReader();
    // The subscription listens from some moment after its answer: the phone is written until it arrives.
    let received = '';
    let reading = reader.read();
    for (let tries = 0; !received.includes(renamed.phone); tries++) {
      if (tries === 100) throw new Error(`the subscription received nothing: ${received}`);
      const updated = (await (await t.post(UPDATE, { input: { id: ids[1], phone: `${renamed.phone}${tries % 2}` } })).json()) as any;
      expect(updated.data.updateCustomer.userErrors).toEqual([]);
      const chunk = await Promise.race([reading, new Promise<undefined>((resolve) => setTimeout(resolve, 100))]);
      if (chunk) {
        received += new TextDecoder().decode(chunk.value);
        reading = reader.read();
      }
    }
    await reader.cancel();
    controller.abort();

    await t.post('mutation Delete($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { deletedCustomerId } }', {
      input: { id: ids[2] },
    });
    await t.post('{ __typename }', undefined, { key: t.merchant.liveKey });
    await t.post('{ __typename }', undefined, { key: 'sk_test_not_a_key_at_all_0123456789' });

    const logged = lines.slice(before);
    const requests = requestLines(logged.map((line) => JSON.parse(line) as LogLine));
    expect(requests.map((line) => line.operationName ?? line.status)).toEqual(
      expect.arrayContaining(['Create', 'Find', 'Update', 'Changed', 'Delete', 401]),
    );
    expect(requests.find((line) => line.operationName === 'Changed')).toMatchObject({ operationType: 'subscription', status: 200 });
    expect(requests.find((line) => line.errorCodes?.includes('BAD_USER_INPUT'))).toMatchObject({ status: 400 });

    const everything = logged.join('\n');
    const sent = [...people, renamed].flatMap((person) => Object.values(person));
    // Each part of a name or an address too, as a log could cut them.
    const words = sent.flatMap((value) => value.split(/[ @.-]/)).filter((word) => word.length >= 5);
    const fragments = [...sent, ...words, address.line1, address.postalCode];
    const keys = [t.merchant.testKey, t.merchant.liveKey, 'sk_test_not_a_key_at_all_0123456789'];
    for (const value of [...fragments, ...keys]) expect(everything, `the log holds ${value}`).not.toContain(value);
  });
});
