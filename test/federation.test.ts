import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import { composeServices as composeWithApollo } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { getOperationAST, parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, type NewAccount } from '../src/auth/accounts.ts';
import { createApp } from '../src/http/app.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, createTestDatabase, listenOnLoopback, type TestDatabase } from './helpers.ts';

const customerSdl = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');

/** A neighbour that references Customer by key, adds Customer.orders, and points back to Customer. */
const ordersSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Query {
    latestOrders: [Order!]!
  }

  type Order @key(fields: "id") {
    id: ID!
    number: String!
    totalCents: Int!
    customer: Customer
  }

  type Customer @key(fields: "id") {
    id: ID!
    orders: [Order!]!
  }
`;

interface Order {
  id: string;
  number: string;
  totalCents: number;
  customerId: string;
}

interface GraphQLResult {
  data?: Record<string, any> | null;
  errors?: readonly { message: string; extensions?: Record<string, any> }[];
}

interface Gateway {
  execute(query: string, variables?: Record<string, unknown>, authorization?: string): Promise<GraphQLResult>;
  stop(): Promise<void>;
}

function createOrdersSubgraph(orders: Order[], authorizations: (string | null)[]) {
  const schema = buildSubgraphSchema({
    typeDefs: parse(ordersSdl),
    resolvers: {
      Query: { latestOrders: () => orders },
      Order: {
        __resolveReference: ({ id }: { id: string }) => orders.find((order) => order.id === id),
        customer: (order: Order) => ({ __typename: 'Customer', id: order.customerId }),
      },
      Customer: {
        orders: ({ id }: { id: string }) => orders.filter((order) => order.customerId === id),
      },
    },
  });
  const yoga = createYoga({ schema, maskedErrors: false, logging: false });
  return createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? null);
    return yoga(req, res);
  });
}

function startApolloGateway(supergraphSdl: string): Promise<Gateway> {
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  return gateway.load().then(({ executor }) => ({
    async execute(query, variables, authorization) {
      const document = parse(query);
      const operation = getOperationAST(document)!;
      // The part of Apollo Server's request context that the gateway reads: the operation, and
      // the context where Apollo Server users put the caller's Authorization header.
      const requestContext = {
        request: { query, variables },
        document,
        source: query,
        operation,
        operationName: operation.name?.value ?? null,
        queryHash: createHash('sha256').update(query).digest('hex'),
        context: { authorization },
        metrics: {},
        logger: console,
      } as unknown as Parameters<typeof executor>[0];
      return executor(requestContext);
    },
    stop: () => gateway.stop(),
  }));
}

async function startHiveGateway(supergraph: string): Promise<Gateway> {
  const gateway = createGatewayRuntime({
    supergraph,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
    },
  });
  return {
    async execute(query, variables, authorization) {
      const response = await gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResult;
    },
    stop: async () => {
      await gateway.dispose();
    },
  };
}

function subgraphs(customersUrl: string, ordersUrl: string) {
  return [
    { name: 'customers', typeDefs: parse(customerSdl), url: customersUrl },
    { name: 'orders', typeDefs: parse(ordersSdl), url: ordersUrl },
  ];
}

const setups = {
  '@apollo/composition + @apollo/gateway': {
    compose: (customersUrl: string, ordersUrl: string) => {
      const result = composeWithApollo(subgraphs(customersUrl, ordersUrl));
      if (result.errors) throw new Error(result.errors.map((error) => error.message).join('\n'));
      return result.supergraphSdl;
    },
    start: startApolloGateway,
  },
  '@theguild/federation-composition + @graphql-hive/gateway-runtime': {
    compose: (customersUrl: string, ordersUrl: string) => {
      const result = composeWithGuild(subgraphs(customersUrl, ordersUrl));
      if (result.errors) throw new Error(result.errors.map((error) => error.message).join('\n'));
      return result.supergraphSdl;
    },
    start: startHiveGateway,
  },
};

let testDb: TestDatabase;
let merchant: NewAccount;
let otherMerchant: NewAccount;
let customerServer: Server;
let ordersServer: Server;
let customersUrl: string;
let ordersUrl: string;
const orders: Order[] = [];
const ordersAuthorizations: (string | null)[] = [];
const customerIds: Record<string, string> = {};

async function createCustomer(name: string, email: string, key: string): Promise<string> {
  const response = await fetch(customersUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: 'mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }',
      variables: { input: { name, email } },
    }),
  });
  const { data } = (await response.json()) as { data: { createCustomer: { customer: { id: string } } } };
  return data.createCustomer.customer.id;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  merchant = await createAccount(testDb.db.prisma, 'Merchant A');
  otherMerchant = await createAccount(testDb.db.prisma, 'Merchant B');
  customerServer = createHttpServer(createApp({ db: testDb.db }), testDb.db);
  customersUrl = await listenOnLoopback(customerServer);
  ordersServer = createOrdersSubgraph(orders, ordersAuthorizations);
  ordersUrl = await listenOnLoopback(ordersServer);

  customerIds.ada = await createCustomer('Ada Lovelace', 'ada@example.com', merchant.testKey);
  customerIds.alan = await createCustomer('Alan Turing', 'alan@example.com', merchant.testKey);
  customerIds.foreign = await createCustomer('Grace Hopper', 'grace@example.com', otherMerchant.testKey);
  orders.push(
    { id: 'ord_1', number: 'A-1', totalCents: 1200, customerId: customerIds.ada },
    { id: 'ord_2', number: 'A-2', totalCents: 3400, customerId: customerIds.ada },
    { id: 'ord_3', number: 'B-1', totalCents: 500, customerId: customerIds.alan },
    { id: 'ord_4', number: 'C-1', totalCents: 999, customerId: customerIds.foreign },
  );
});

afterAll(async () => {
  await Promise.all([closeServer(customerServer), closeServer(ordersServer)]);
  await testDb?.drop();
});

describe.each(Object.entries(setups))('%s', (_name, setup) => {
  let gateway: Gateway;
  const bearer = () => `Bearer ${merchant.testKey}`;

  beforeAll(async () => {
    gateway = await setup.start(setup.compose(customersUrl, ordersUrl));
  });

  afterAll(() => gateway?.stop());

  it('answers a query that starts in this subgraph and continues in orders', async () => {
    const { data, errors } = await gateway.execute(
      `query CustomersWithOrders {
        customers(first: 10, orderBy: { field: EMAIL, direction: ASC }) {
          edges { node { email orders { number totalCents } } }
        }
      }`,
      undefined,
      bearer(),
    );
    expect(errors).toBeUndefined();
    expect(data?.customers.edges).toEqual([
      {
        node: {
          email: 'ada@example.com',
          orders: [
            { number: 'A-1', totalCents: 1200 },
            { number: 'A-2', totalCents: 3400 },
          ],
        },
      },
      { node: { email: 'alan@example.com', orders: [{ number: 'B-1', totalCents: 500 }] } },
    ]);
  });

  it("resolves customers referenced from orders through _entities, and never another merchant's", async () => {
    const { data, errors } = await gateway.execute(
      'query LatestOrders { latestOrders { number customer { id name } } }',
      undefined,
      bearer(),
    );
    expect(errors).toBeUndefined();
    expect(data?.latestOrders).toEqual([
      { number: 'A-1', customer: { id: customerIds.ada, name: 'Ada Lovelace' } },
      { number: 'A-2', customer: { id: customerIds.ada, name: 'Ada Lovelace' } },
      { number: 'B-1', customer: { id: customerIds.alan, name: 'Alan Turing' } },
      // The id comes from orders; this subgraph finds no such customer for the caller, so
      // everything it owns about that customer is null.
      { number: 'C-1', customer: { id: customerIds.foreign, name: null } },
    ]);
  });

  it("forwards the caller's Authorization header to every subgraph", async () => {
    ordersAuthorizations.length = 0;
    await gateway.execute('query LatestOrders { latestOrders { number customer { email } } }', undefined, bearer());
    expect(ordersAuthorizations).toContain(bearer());
    expect(ordersAuthorizations.every((authorization) => authorization === bearer())).toBe(true);
  });

  it('answers UNAUTHENTICATED, and no customer data, when the caller sends no key', async () => {
    const { data, errors } = await gateway.execute('query Customers { customers(first: 1) { totalCount } }');
    expect(data?.customers ?? null).toBeNull();
    expect(errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('a subscription through Hive Gateway', () => {
  it('forwards customerEvents end to end, joined with the orders subgraph, and nothing of another merchant', async () => {
    const result = composeWithGuild(subgraphs(customersUrl, ordersUrl));
    const gateway = createGatewayRuntime({
      supergraph: result.supergraphSdl!,
      logging: false,
      propagateHeaders: { fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }) },
    });
    const controller = new AbortController();
    try {
      const response = await gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${merchant.testKey}` },
        body: JSON.stringify({
          query: 'subscription { customerEvents { type customer { name orders { number } } } }',
        }),
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const nextEvent = async () => {
        for (;;) {
          const match = /event: next\ndata: (.*)\n\n/.exec(text);
          if (match) {
            text = text.slice(match.index + match[0].length);
            return JSON.parse(match[1]);
          }
          const { value, done } = await reader.read();
          if (done) throw new Error(`the stream ended: ${text}`);
          text += decoder.decode(value, { stream: true });
        }
      };
      const first = nextEvent();
      // The gateway opens the subgraph's stream on the first read; the write waits until it listens.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const update = (id: string, name: string, key: string) =>
        fetch(customersUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({
            query: 'mutation ($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } } }',
            variables: { input: { id, name } },
          }),
        });
      await update(customerIds.foreign, 'Grace B. Hopper', otherMerchant.testKey);
      await update(customerIds.alan, 'Alan M. Turing', merchant.testKey);
      expect(await first).toEqual({
        data: { customerEvents: { type: 'CUSTOMER_UPDATED', customer: { name: 'Alan M. Turing', orders: [{ number: 'B-1' }] } } },
      });
    } finally {
      controller.abort();
      await gateway.dispose();
    }
  });
});

describe('npm run supergraph', () => {
  it('composes a schema file and a running subgraph into the supergraph @apollo/composition gives', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/supergraph.ts', `customers=schema.graphql@${customersUrl}`, `orders=${ordersUrl}`],
      { cwd: new URL('..', import.meta.url).pathname },
    );
    expect(stdout).toBe(`${setups['@apollo/composition + @apollo/gateway'].compose(customersUrl, ordersUrl)}\n`);
  });
});
