import { readFileSync } from 'node:fs';
import { type ObjectTypeDefinitionNode, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

const committedSchema = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');

const ENTITIES = /* GraphQL */ `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Customer { id email }
    }
  }
`;

let t: TestApp;
let served: string;

async function createCustomer(email: string, key = t.merchant.testKey): Promise<string> {
  const { data } = await t.request(
    'mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { message } } }',
    { input: { email } },
    { key },
  );
  expect(data?.createCustomer.userErrors).toEqual([]);
  return data?.createCustomer.customer.id;
}

function representations(ids: string[]) {
  return ids.map((id) => ({ __typename: 'Customer', id }));
}

function objectType(sdl: string, name: string): ObjectTypeDefinitionNode {
  const type = parse(sdl).definitions.find(
    (definition): definition is ObjectTypeDefinitionNode => definition.kind === 'ObjectTypeDefinition' && definition.name.value === name,
  );
  if (!type) throw new Error(`type ${name} is not in the SDL`);
  return type;
}

function directives(sdl: string, typeName: string): string[] {
  return (objectType(sdl, typeName).directives ?? []).map((directive) => print(directive));
}

beforeAll(async () => {
  t = await createTestApp();
  const { data } = await t.request<{ _service: { sdl: string } }>('{ _service { sdl } }');
  served = data!._service.sdl;
});

afterAll(() => t?.close());

describe('the subgraph SDL', () => {
  it('is what schema.graphql holds (run `npm run schema:print` after changing the schema)', () => {
    // The file ends with a newline, as text files do; the served SDL does not.
    expect(committedSchema).toBe(`${served}\n`);
  });

  it('links Federation v2 and keys the types a neighbour references by id', () => {
    expect(served).toMatch(/extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    for (const type of ['Customer', 'PlanSubscription', 'Invoice', 'Entity']) {
      expect(directives(served, type)).toContain('@key(fields: "id")');
    }
  });

  it('marks PageInfo shareable, since every subgraph with connections defines it', () => {
    expect(directives(served, 'PageInfo')).toContain('@shareable');
  });

  it('is refused without an API key, like every operation', async () => {
    const { status, errors } = await t.request('{ _service { sdl } }', undefined, { key: null });
    expect(status).toBe(401);
    expect(errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('_entities for Customer', () => {
  let ids: string[];

  beforeAll(async () => {
    ids = [];
    for (let i = 0; i < 100; i++) ids.push(await createCustomer(`entity${i}@example.com`));
  });

  it('resolves 1 and 100 representations in the same number of SQL statements', async () => {
    const one = await t.countStatements(() => t.request(ENTITIES, { representations: representations(ids.slice(0, 1)) }));
    const hundred = await t.countStatements(async () => {
      const { data, errors } = await t.request(ENTITIES, { representations: representations(ids) });
      expect(errors).toBeUndefined();
      expect(data?._entities).toHaveLength(100);
    });
    expect(hundred).toBe(one);
    // Whatever every request costs (the API-key lookup), plus one batched customer query.
    const perRequest = await t.countStatements(() => t.request('{ __typename }'));
    expect(one).toBe(perRequest + 1);
  });

  it('answers in the order of the representations', async () => {
    const shuffled = [ids[42], ids[0], ids[99], ids[7], ids[0]];
    const { data } = await t.request(ENTITIES, { representations: representations(shuffled) });
    expect(data?._entities.map((customer: { id: string }) => customer.id)).toEqual(shuffled);
    expect(data?._entities[0].email).toBe('entity42@example.com');
  });

  it('answers null for an unknown id and for ids of another account or environment', async () => {
    const foreign = await createCustomer('foreign@example.com', t.otherMerchant.testKey);
    const live = await createCustomer('live@example.com', t.merchant.liveKey);
    const { data, errors } = await t.request(ENTITIES, {
      representations: representations([ids[1], 'cus_000000000000000000000000', foreign, live, ids[2]]),
    });
    expect(errors).toBeUndefined();
    expect(data?._entities).toEqual([
      { id: ids[1], email: 'entity1@example.com' },
      null,
      null,
      null,
      { id: ids[2], email: 'entity2@example.com' },
    ]);
  });

  it('refuses a representation of no entity type, or without an id, as a bad argument (never a 500)', async () => {
    for (const malformed of [
      { __typename: 'Nope', id: ids[0] },
      { __typename: 'Query', id: ids[0] },
      { id: ids[0] },
      { __typename: 'Customer' },
      { __typename: 'Customer', id: 7 },
    ]) {
      const { status, data, errors } = await t.request(ENTITIES, { representations: [{ __typename: 'Customer', id: ids[0] }, malformed] });
      expect(status).toBe(200);
      expect(data ?? null).toBeNull();
      expect(errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(errors?.[0].message).toMatch(/^Argument "representations": item 1 must have/);
    }
  });
});
