import type { Server } from 'node:http';
import { Client, fetchExchange } from '@urql/core';
import { afterAll, beforeAll, expect, expectTypeOf, it } from 'vitest';
import { createAccount } from '../src/auth/accounts.ts';
import { createApp } from '../src/http/app.ts';
import { createHttpServer } from '../src/http/server.ts';
import { CreateCustomerDocument, CustomerDocument, type CustomerQuery, CustomersByEmailDocument } from './client/generated/graphql.ts';
import { closeServer, createTestDatabase, listenOnLoopback, type TestDatabase } from './helpers.ts';

let testDb: TestDatabase;
let server: Server;
let url: string;
let apiKey: string;
const methods: string[] = [];

/** The client a frontend (or its backend-for-frontend) would create, sending the merchant's key. */
function createClient(key: string | undefined) {
  return new Client({
    url,
    exchanges: [fetchExchange],
    requestPolicy: 'network-only',
    fetchOptions: () => (key ? { headers: { authorization: `Bearer ${key}` } } : {}),
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  apiKey = (await createAccount(testDb.db.prisma, 'Merchant A')).testKey;
  server = createHttpServer(createApp({ db: testDb.db }), testDb.db);
  server.on('request', (request) => methods.push(request.method ?? ''));
  url = await listenOnLoopback(server);
});

afterAll(async () => {
  await closeServer(server);
  await testDb?.drop();
});

it('creates a customer and reads it back with typed documents', async () => {
  const client = createClient(apiKey);
  methods.length = 0;
  const created = await client
    .mutation(CreateCustomerDocument, {
      input: { name: 'Ada Lovelace', email: 'ada@example.com', address: { city: 'London', country: 'gb' }, metadata: { crm_id: '42' } },
    })
    .toPromise();
  expect(created.error).toBeUndefined();
  expect(created.data?.createCustomer.userErrors).toEqual([]);
  const customer = created.data!.createCustomer.customer!;
  expect(customer).toMatchObject({
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    env: 'TEST',
    address: { city: 'London', country: 'GB' },
    metadata: { crm_id: '42' },
  });

  // Queries go over GET (urql's default for short queries), mutations over POST.
  const read = await client.query(CustomerDocument, { id: customer.id }).toPromise();
  expect(read.error).toBeUndefined();
  expect(methods).toEqual(['POST', 'GET']);
  expect(read.data?.customer).toEqual(customer);
  expectTypeOf(read.data!.customer!.env).toEqualTypeOf<'LIVE' | 'TEST'>();
  expectTypeOf<NonNullable<CustomerQuery['customer']>['createdAt']>().toEqualTypeOf<string>();

  const listed = await client.query(CustomersByEmailDocument, { email: 'ada@example.com' }).toPromise();
  expect(listed.data?.customers.totalCount).toBe(1);
  expect(listed.data?.customers.edges.map((edge) => edge.node.id)).toEqual([customer.id]);
});

it('gets refused input back as typed userErrors, not as an exception', async () => {
  const { data, error } = await createClient(apiKey)
    .mutation(CreateCustomerDocument, { input: { email: 'someone@example.com', address: { country: 'Narnia' } } })
    .toPromise();
  expect(error).toBeUndefined();
  expect(data?.createCustomer.customer).toBeNull();
  expect(data?.createCustomer.userErrors).toEqual([
    expect.objectContaining({ field: ['input', 'address', 'country'], code: expect.any(String) }),
  ]);
});

it('sees UNAUTHENTICATED when it sends no key', async () => {
  const { data, error } = await createClient(undefined).query(CustomerDocument, { id: 'cus_000000000000000000000000' }).toPromise();
  expect(data).toBeUndefined();
  expect(error?.response?.status).toBe(401);
  expect(error?.graphQLErrors.map((graphQLError) => graphQLError.extensions.code)).toEqual(['UNAUTHENTICATED']);
});
