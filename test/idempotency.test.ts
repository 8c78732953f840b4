import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';
import { recordTrust } from './support/trust-record.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const CREATE = `mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id name email metadata deleted version } userErrors { field code message } }
}`;

/** The raw answer to a createCustomer, so replays can be compared byte for byte. */
async function create(input: Record<string, unknown>, idempotencyKey?: string) {
  const response = await t.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${t.merchant.testKey}`,
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    body: JSON.stringify({ query: CREATE, variables: { input } }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as { data?: any; errors?: { message: string; extensions?: any }[] } };
}

async function rows(email: string) {
  const customers = await t.prisma.customer.findMany({ where: { email } });
  const events = await t.prisma.event.count({ where: { customerId: { in: customers.map((c) => c.id) }, type: 'CUSTOMER_CREATED' } });
  return { customers: customers.length, events };
}

const keyRows = (key: string) => t.prisma.idempotencyKey.count({ where: { key } });

describe('createCustomer with an Idempotency-Key header', () => {
  it('without a key, the same request twice creates two customers', async () => {
    await create({ name: 'No key' });
    await create({ name: 'No key' });
    expect(await t.prisma.customer.count({ where: { name: 'No key' } })).toBe(2);
  });

  it('the same key and input within 24 hours returns the first answer, byte for byte, and writes nothing again', async () => {
    const input = { email: 'once@example.com', name: 'Once', metadata: { plan: 'pro', source: 'web' } };
    const first = await create(input, 'order-1');
    expect(first.body.data.createCustomer.userErrors).toEqual([]);
    const eventsBefore = await t.prisma.event.count();
    for (let i = 0; i < 3; i++) {
      const again = await create(input, 'order-1');
      expect(again.status).toBe(first.status);
      expect(again.text).toBe(first.text);
    }
    // The same input with its fields (and metadata keys) in another order is the same request.
    const reordered = await create({ metadata: { source: 'web', plan: 'pro' }, name: 'Once', email: 'once@example.com' }, 'order-1');
    expect(reordered.text).toBe(first.text);
    expect(await rows('once@example.com')).toEqual({ customers: 1, events: 1 });
    expect(await t.prisma.event.count()).toBe(eventsBefore);
    recordTrust({
      attack: 'Idempotency: one request replayed with its key',
      tries: 5,
      outcome: '1 created, 4 identical replays',
      rowsChanged: '1 customer + 1 event',
      doubledWrites: 0,
    });
  });

  it('the same key with another input is IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
    await create({ email: 'first-use@example.com' }, 'order-2');
    const reused = await create({ email: 'second-use@example.com' }, 'order-2');
    expect(reused.status).toBe(200);
    expect(reused.body.data.createCustomer).toEqual({
      customer: null,
      userErrors: [{ field: [], code: 'IDEMPOTENCY_KEY_REUSED', message: expect.stringContaining('already used with another input') }],
    });
    expect(await rows('second-use@example.com')).toEqual({ customers: 0, events: 0 });
  });

  it('concurrent requests with one key write once and all answer with the same customer', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => create({ email: 'race@example.com', name: 'Race' }, 'order-3')));
    const ids = new Set(answers.map((a) => a.body.data?.createCustomer.customer?.id));
    expect(answers.every((a) => a.status === 200 && a.body.data.createCustomer.userErrors.length === 0)).toBe(true);
    expect(ids.size).toBe(1);
    expect(await rows('race@example.com')).toEqual({ customers: 1, events: 1 });
    recordTrust({
      attack: 'Idempotency: 20 concurrent requests, one key (in process)',
      tries: 20,
      outcome: '1 created, 19 replays of it',
      rowsChanged: '1 customer + 1 event',
      doubledWrites: 0,
    });
  });

  it('takes keys of 1 to 255 characters; a longer or empty one is a clear 400 and writes nothing', async () => {
    const longest = 'k'.repeat(255);
    expect((await create({ email: 'longest-key@example.com' }, longest)).body.data.createCustomer.userErrors).toEqual([]);
    for (const key of ['k'.repeat(256), '']) {
      const refused = await create({ email: 'bad-key@example.com' }, key);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]).toMatchObject({
        message: `The Idempotency-Key header must be 1 to 255 characters, got ${key.length}`,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    expect(await rows('bad-key@example.com')).toEqual({ customers: 0, events: 0 });
  });

  it('a first attempt that failed keeps no claim: the retry runs again and can succeed', async () => {
    const holder = await create({ email: 'contested@example.com' });
    const failed = await create({ email: 'contested@example.com', name: 'Second' }, 'order-4');
    expect(failed.body.data.createCustomer.userErrors.map((e: { code: string }) => e.code)).toEqual(['EMAIL_TAKEN']);
    expect(await keyRows('order-4')).toBe(0);
    const invalid = await create({ email: 'not an email' }, 'order-5');
    expect(invalid.body.data.createCustomer.userErrors.map((e: { code: string }) => e.code)).toEqual(['INVALID']);
    expect(await keyRows('order-5')).toBe(0);

    await t.request('mutation($id: ID!) { deleteCustomer(input: { id: $id }) { userErrors { code } } }', {
      id: holder.body.data.createCustomer.customer.id,
    });
    const retried = await create({ email: 'contested@example.com', name: 'Second' }, 'order-4');
    expect(retried.body.data.createCustomer.userErrors).toEqual([]);
    expect(retried.body.data.createCustomer.customer.name).toBe('Second');
    expect(await keyRows('order-4')).toBe(1);
  });

  it('a replay shows the customer as it is now; a key older than 24 hours is a new request', async () => {
    const first = await create({ email: 'aging@example.com' }, 'order-6');
    const id = first.body.data.createCustomer.customer.id;
    await t.request('mutation($id: ID!) { deleteCustomer(input: { id: $id }) { userErrors { code } } }', { id });
    const replay = await create({ email: 'aging@example.com' }, 'order-6');
    expect(replay.body.data.createCustomer.customer).toMatchObject({ id, deleted: true, email: null });

    await t.prisma.$executeRaw`UPDATE "IdempotencyKey" SET "createdAt" = "createdAt" - interval '23 hours' WHERE key = 'order-6'`;
    expect((await create({ email: 'aging@example.com' }, 'order-6')).body.data.createCustomer.customer.id).toBe(id);
    await t.prisma.$executeRaw`UPDATE "IdempotencyKey" SET "createdAt" = "createdAt" - interval '2 hours' WHERE key = 'order-6'`;
    const fresh = await create({ email: 'aging@example.com' }, 'order-6');
    expect(fresh.body.data.createCustomer.userErrors).toEqual([]);
    expect(fresh.body.data.createCustomer.customer.id).not.toBe(id);
    expect(await create({ email: 'aging-other@example.com' }, 'order-6')).toMatchObject({
      body: { data: { createCustomer: { userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED' }] } } },
    });
  });
});
