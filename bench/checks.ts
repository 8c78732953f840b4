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

const EVENTS_OF = `query EventsOf($id: ID!) { customer(id: $id) { events(first: 2) { edges { node { type data } } } } }`;

interface EventsOf {
  customer: { events: { edges: { node: { type: string; data: { usage: string } } }[] } };
}

interface Tracked {
  trackUsage: { balance: { id: string; featureId: string; usage: string; remaining: string }; userErrors: unknown[] };
}

/**
 * G's two sides must do the same work: a track of 1 on the same balance, first through GraphQL,
 * then by hand, must answer the same balance one unit further on, and leave two USAGE_TRACKED
 * events that differ only in the usage they record.
 */
export async function checkSameMeter(servers: Record<ServerName, ServerUnderTest>, scenarios: Scenario[]): Promise<void> {
  for (const { id, subject, baseline } of scenarios.filter((s) => s.id === 'G')) {
    const graphqlBody = subject.body();
    const { variables } = JSON.parse(graphqlBody);
    const graphql = await post(servers.graphql, subject.path, subject.key, graphqlBody);
    const raw = await post(servers.raw, baseline.path, baseline.key, JSON.stringify(variables));
    if (graphql.json.errors) throw new Error(`${id}: GraphQL answered errors: ${JSON.stringify(graphql.json.errors)}`);
    const { balance } = (graphql.json.data as Tracked).trackUsage;
    const next = { ...balance, usage: String(BigInt(balance.usage) + 1n), remaining: String(BigInt(balance.remaining) - 1n) };
    deepStrictEqual(
      raw.json.data,
      { trackUsage: { balance: next, userErrors: [] } },
      `${id}: the raw endpoint did not meter as GraphQL does`,
    );
    const events = await post(
      servers.graphql,
      '/graphql',
      subject.key,
      JSON.stringify({ query: EVENTS_OF, variables: { id: variables.input.customerId } }),
    );
    const nodes = (events.json.data as EventsOf).customer.events.edges.map((edge) => edge.node);
    const byGraphql = nodes.find((node) => node.data.usage === balance.usage);
    const byRaw = nodes.find((node) => node.data.usage === next.usage);
    if (byGraphql?.type !== 'USAGE_TRACKED') throw new Error(`${id}: no USAGE_TRACKED event from GraphQL: ${JSON.stringify(nodes)}`);
    deepStrictEqual(
      byRaw,
      { ...byGraphql, data: { ...byGraphql.data, usage: next.usage } },
      `${id}: the raw endpoint's event differs from GraphQL's`,
    );
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
