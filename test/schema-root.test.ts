import { composeServices as composeWithApollo } from '@apollo/composition';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { type DocumentNode, Kind, parse, type SchemaDefinitionNode } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { newId } from '../src/domain/ids.ts';
import { createLogger } from '../src/http/log.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { recordTrust } from './support/trust-record.ts';

// The billing type of a customer's plans is PlanSubscription: `Subscription` is the name GraphQL
// gives the root type of live updates (src/schema/live.ts).

let t: TestApp;
/** What the app logs, as JSON lines. */
const logLines: string[] = [];
let customerId: string;
let ownSubscription: string;
let seatSubscription: string;

beforeAll(async () => {
  t = await createTestApp({ logger: createLogger({ write: (line: string) => void logLines.push(line) }) });
  const created = await t.request('mutation { createCustomer(input: { name: "Plans" }) { customer { id } } }');
  customerId = created.data!.createCustomer.customer.id;
  const entity = await t.prisma.entity.create({
    data: { id: newId('Entity'), customerId, externalId: 'seat-1', name: 'Seat', featureId: 'seats' },
  });
  ownSubscription = newId('Subscription');
  seatSubscription = newId('Subscription');
  await t.prisma.subscription.createMany({
    data: [
      { id: ownSubscription, customerId, planId: 'pro', status: 'ACTIVE', startedAt: new Date() },
      { id: seatSubscription, customerId, entityId: entity.id, planId: 'seat', status: 'ACTIVE', startedAt: new Date() },
    ],
  });
});
afterAll(() => t?.close());

describe('the schema', () => {
  it('has the live updates as its subscription root, and names the billing type PlanSubscription', async () => {
    const { data, errors } = await t.request(`{
      __schema { queryType { name } mutationType { name } subscriptionType { name fields { name } } }
      billing: __type(name: "PlanSubscription") { name interfaces { name } }
    }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      __schema: {
        queryType: { name: 'Query' },
        mutationType: { name: 'Mutation' },
        subscriptionType: {
          name: 'Subscription',
          fields: [{ name: 'balanceChanged' }, { name: 'customerChanged' }, { name: 'customerEvents' }],
        },
      },
      billing: { name: 'PlanSubscription', interfaces: [{ name: 'Node' }] },
    });
  });

  it.each([
    [
      '@apollo/composition',
      (typeDefs: DocumentNode) => composeWithApollo([{ name: 'customers', typeDefs, url: 'http://customers.invalid/graphql' }]),
    ],
    [
      '@theguild/federation-composition',
      (typeDefs: DocumentNode) => composeWithGuild([{ name: 'customers', typeDefs, url: 'http://customers.invalid/graphql' }]),
    ],
  ])('composes, with %s, into a supergraph with its subscription root', async (_composer, compose) => {
    const { data } = await t.request<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const result = compose(parse(data!._service.sdl));
    expect(result.errors ?? []).toEqual([]);
    const supergraph = parse(result.supergraphSdl!);
    const roots = supergraph.definitions.find((d): d is SchemaDefinitionNode => d.kind === Kind.SCHEMA_DEFINITION)!.operationTypes;
    expect(roots.map((root) => [root.operation, root.type.name.value])).toEqual([
      ['query', 'Query'],
      ['mutation', 'Mutation'],
      ['subscription', 'Subscription'],
    ]);
    const typeNames = supergraph.definitions.flatMap((d) => ('name' in d && d.name ? [d.name.value] : []));
    expect(typeNames).toContain('PlanSubscription');
  });
});

describe('a subscription operation', () => {
  let logged: MockInstance[] = [];
  beforeAll(() => {
    logged = (['error', 'warn', 'info', 'log', 'debug'] as const).map((method) => vi.spyOn(console, method));
    logLines.length = 0;
  });
  afterEach(() => {
    for (const spy of logged) spy.mockClear();
    logLines.length = 0;
  });
  const expectNothingLogged = () => {
    expect(logLines).toEqual([]);
    for (const spy of logged) expect(spy).not.toHaveBeenCalled();
  };
  afterAll(() => {
    for (const spy of logged) spy.mockRestore();
  });

  const SUBSCRIPTION = 'subscription Events { customerEvents { id } }';
  const authorization = () => `Bearer ${t.merchant.testKey}`;
  const post = (accept: string) => ({
    url: 'http://localhost/graphql',
    init: {
      method: 'POST',
      headers: { authorization: authorization(), 'content-type': 'application/json', accept },
      body: JSON.stringify({ query: SUBSCRIPTION }),
    },
  });
  const get = (accept: string) => ({
    url: `http://localhost/graphql?query=${encodeURIComponent(SUBSCRIPTION)}`,
    init: { headers: { authorization: authorization(), accept } },
  });
  const requests = {
    'POST, Accept: application/json': () => post('application/json'),
    'POST, Accept: application/graphql-response+json': () => post('application/graphql-response+json'),
    'GET, Accept: application/json': () => get('application/json'),
  };

  it.each(Object.entries(requests))(
    'asking for JSON over %s, is refused with 406 NOT_ACCEPTABLE, and nothing logged',
    async (_how, request) => {
      const { url, init } = request();
      const response = await t.app.fetch(url, init);
      expect(response.status).toBe(406);
      const body = (await response.json()) as { data?: unknown; errors: { message: string; extensions?: { code?: string } }[] };
      expect(body.errors.map((error) => error.extensions?.code)).toEqual(['NOT_ACCEPTABLE']);
      expect(body.errors[0].message).toContain('text/event-stream');
      expect(body.data).toBeUndefined();
      expectNothingLogged();
    },
  );

  it('is refused with GRAPHQL_VALIDATION_FAILED for a field that exists only on a query', async () => {
    const { status, errors } = await t.request('subscription { customers(first: 1) { totalCount } }');
    expect(status).toBe(400);
    expect(errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expectNothingLogged();
    recordTrust({
      attack: 'Schema: subscription operations asking for JSON (POST, GET), and a query field subscribed to',
      tries: Object.keys(requests).length + 1,
      outcome: `4xx: ${Object.keys(requests).length} × NOT_ACCEPTABLE, 1 × GRAPHQL_VALIDATION_FAILED, nothing logged`,
      rowsChanged: '0',
    });
  });
});

describe('a plan subscription', () => {
  /** Whether the statements run by `request` are the one statement of the compiled read (src/data/compiled-read) that builds the response. */
  async function answeredAsJson(request: () => Promise<unknown>): Promise<boolean> {
    const before = t.statements.length;
    await request();
    const statements = t.statements.slice(before);
    return statements.length === 1 && statements[0].endsWith('AS body');
  }

  it('answers __typename PlanSubscription through node(id) and nodes(ids)', async () => {
    const { data, errors } = await t.request(
      'query($id: ID!, $ids: [ID!]!) { node(id: $id) { __typename id ... on PlanSubscription { planId } } nodes(ids: $ids) { __typename id } }',
      {
        id: ownSubscription,
        ids: [seatSubscription, ownSubscription],
      },
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      node: { __typename: 'PlanSubscription', id: ownSubscription, planId: 'pro' },
      nodes: [
        { __typename: 'PlanSubscription', id: seatSubscription },
        { __typename: 'PlanSubscription', id: ownSubscription },
      ],
    });
  });

  it('answers __typename PlanSubscription through _entities', async () => {
    const { data, errors } = await t.request(
      'query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on PlanSubscription { id planId } } }',
      {
        r: [{ __typename: 'PlanSubscription', id: seatSubscription }],
      },
    );
    expect(errors).toBeUndefined();
    expect(data!._entities).toEqual([{ __typename: 'PlanSubscription', id: seatSubscription, planId: 'seat' }]);
  });

  it('answers __typename PlanSubscription under a customer, compiled and through the resolvers alike', async () => {
    const query = `query($id: ID!) { customer(id: $id) {
      subscriptions { __typename id planId }
      entities { subscriptions { __typename id ... on PlanSubscription { planId } } }
    } }`;
    const expected = {
      customer: {
        subscriptions: [{ __typename: 'PlanSubscription', id: ownSubscription, planId: 'pro' }],
        entities: [{ subscriptions: [{ __typename: 'PlanSubscription', id: seatSubscription, planId: 'seat' }] }],
      },
    };
    let compiled: Awaited<ReturnType<TestApp['request']>> | undefined;
    expect(await answeredAsJson(async () => (compiled = await t.request(query, { id: customerId })))).toBe(true);
    expect(compiled!.errors).toBeUndefined();
    expect(compiled!.data).toEqual(expected);

    let resolved: Awaited<ReturnType<TestApp['request']>> | undefined;
    expect(await answeredAsJson(async () => (resolved = await t.request(query, { id: customerId }, { via: 'resolvers' })))).toBe(false);
    expect(resolved!.errors).toBeUndefined();
    expect(resolved!.data).toEqual(expected);
  });
});
