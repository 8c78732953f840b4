import { deepStrictEqual } from 'node:assert';
import { BENCH_TEST_KEY } from './bench-account.ts';
import { CUSTOMER_RELATIONS, customersPageOf } from './queries.ts';
import type { Scenario, ServerName, Side } from './scenarios.ts';
import type { ServerUnderTest } from './servers.ts';

async function post(server: ServerUnderTest, path: string, key: string, body: string) {
  const response = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  return { status: response.status, json: (await response.json()) as { data?: unknown; errors?: unknown } };
}

/** The hand-written endpoints must answer exactly the GraphQL data, or the comparison means nothing. */
export async function checkSameJson(servers: Record<ServerName, ServerUnderTest>, scenarios: Scenario[], samples = 20): Promise<void> {
  for (const scenario of scenarios.filter((s) => s.id === 'B' || s.id === 'C')) {
    for (let i = 0; i < (scenario.subject.varies ? samples : 1); i++) {
      const graphqlBody = scenario.subject.body();
      const { variables } = JSON.parse(graphqlBody);
      const [graphql, raw] = await Promise.all([
        post(servers.graphql, scenario.subject.path, scenario.subject.key, graphqlBody),
        post(servers.raw, scenario.baseline.path, scenario.baseline.key, JSON.stringify(variables)),
      ]);
      if (graphql.json.errors) throw new Error(`${scenario.id}: GraphQL answered errors: ${JSON.stringify(graphql.json.errors)}`);
      deepStrictEqual(raw.json.data, graphql.json.data, `${scenario.id}: the hand-written endpoint's JSON differs from GraphQL's`);
    }
  }
}

/** A load run counts only 2xx; GraphQL errors come with 200, so each GraphQL side is tried once first. */
export async function checkAnswers(servers: Record<ServerName, ServerUnderTest>, sides: Side[]): Promise<void> {
  for (const side of sides.filter((s) => s.server === 'graphql')) {
    const { status, json } = await post(servers.graphql, side.path, side.key, side.body());
    const userErrors = JSON.stringify(json.data ?? {}).includes('"userErrors":[{');
    if (status !== 200 || json.errors || userErrors) throw new Error(`${side.label}: ${status} ${JSON.stringify(json).slice(0, 500)}`);
  }
}

/** SQL statements of one customers(first: n) request selecting every relation, for each n. */
export async function statementsByPageSize(server: ServerUnderTest, sizes: number[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const first of sizes) {
    await server.stats();
    const { json } = await post(
      server,
      '/graphql',
      BENCH_TEST_KEY,
      JSON.stringify({ query: customersPageOf(CUSTOMER_RELATIONS), variables: { first } }),
    );
    if (json.errors) throw new Error(`customers(first: ${first}): ${JSON.stringify(json.errors)}`);
    counts.set(first, (await server.stats()).statements);
  }
  return counts;
}
