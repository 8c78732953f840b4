import { BENCH_LIVE_KEY, BENCH_TEST_KEY } from './bench-account.ts';
import {
  CREATE_CUSTOMER,
  CUSTOMER_BY_ID,
  CUSTOMER_ENTITIES,
  CUSTOMERS_AFTER,
  CUSTOMERS_COUNTED,
  CUSTOMERS_FOUND,
  CUSTOMERS_PAGE,
  TRACK_USAGE,
} from './queries.ts';

/** `rateLimited` is the GraphQL server with its per-key rate limiter counting (never reached); `graphql` runs without it. */
export type ServerName = 'graphql' | 'rateLimited' | 'raw';

/** One side of a comparison: which server, which path, and a body per request. */
export interface Side {
  label: string;
  server: ServerName;
  path: string;
  key: string;
  /** Called for every request when `varies`; once otherwise. */
  body: () => string;
  varies?: boolean;
}

export interface Measured {
  rps: number;
  statementsPerRequest: number;
}

export interface Target {
  description: string;
  /** The figure compared with the limit. */
  ratio: (subject: Measured, baseline: Measured) => number;
  met: (ratio: number) => boolean;
}

export interface Scenario {
  id: string;
  title: string;
  subject: Side;
  baseline: Side;
  target?: Target;
  note?: string;
}

export interface BenchContext {
  /** Ids of bench customers to pick from at random. */
  customerIds: string[];
  deepCursor: string;
  /** How many customers come before the deep cursor's page. */
  deepPosition: number;
  customerCount: number;
  /** Emails of bench customers, and a search term that finds each one customer. */
  lookups: { email: string; search: string }[];
  /** G's balances (LIVE environment), each allowing overage: a track of 1 always meters. */
  meteredBalances: { customerId: string; featureId: string }[];
}

const graphql = (query: string, variables: () => Record<string, unknown>) => () => JSON.stringify({ query, variables: variables() });
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

let created = 0;
function uniqueCustomer() {
  created++;
  return { name: `Bench Writer ${created}`, email: `bench.${process.pid}.${Date.now()}.${created}@example.com` };
}

function representations(ids: string[], count: number) {
  return Array.from({ length: count }, () => ({ __typename: 'Customer', id: pick(ids) }));
}

/** A track of 1 on one of G's balances, picked at random, so that the 10 connections seldom wait on one row. */
function usageTrack(context: BenchContext) {
  return { ...pick(context.meteredBalances), value: '1' };
}

const rpsRatio: Target['ratio'] = (subject, baseline) => subject.rps / baseline.rps;

export function scenarios(context: BenchContext): Scenario[] {
  const { customerIds } = context;
  const deepNote =
    context.deepPosition >= 900_000
      ? `cursor after customer ${context.deepPosition.toLocaleString('en-US')}`
      : `only ${context.customerCount.toLocaleString('en-US')} customers: deepest full page, cursor after customer ${context.deepPosition.toLocaleString('en-US')} (not 900,000)`;
  return [
    {
      id: 'A',
      title: '{ __typename }: full server vs bare node:http',
      subject: { label: 'GraphQL', server: 'graphql', path: '/graphql', key: BENCH_TEST_KEY, body: graphql('{ __typename }', () => ({})) },
      baseline: { label: 'node:http', server: 'raw', path: '/bare', key: BENCH_TEST_KEY, body: () => '' },
      target: { description: '≥ 0.3 of node:http', ratio: rpsRatio, met: (ratio) => ratio >= 0.3 },
    },
    {
      id: 'R',
      title: '{ __typename }: with the per-key rate limiter counting in PostgreSQL vs without',
      subject: {
        label: 'rate-limited',
        server: 'rateLimited',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql('{ __typename }', () => ({})),
      },
      baseline: {
        label: 'no limiter',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql('{ __typename }', () => ({})),
      },
      note: 'no target in the issue; the limit is set far above the load, so every request is counted and none refused',
    },
    {
      id: 'B',
      title: 'customers(first: 20), every nested field: GraphQL vs hand-written pg',
      subject: {
        label: 'GraphQL',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMERS_PAGE, () => ({ first: 20 })),
      },
      baseline: {
        label: 'hand-written',
        server: 'raw',
        path: '/customers',
        key: BENCH_TEST_KEY,
        body: () => JSON.stringify({ first: 20 }),
      },
      target: { description: '≥ 0.5 of hand-written', ratio: rpsRatio, met: (ratio) => ratio >= 0.5 },
    },
    {
      id: 'C',
      title: 'customer(id) by a random id, every nested field: GraphQL vs hand-written pg',
      subject: {
        label: 'GraphQL',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMER_BY_ID, () => ({ id: pick(customerIds) })),
        varies: true,
      },
      baseline: {
        label: 'hand-written',
        server: 'raw',
        path: '/customer',
        key: BENCH_TEST_KEY,
        body: () => JSON.stringify({ id: pick(customerIds) }),
        varies: true,
      },
      target: { description: '≥ 0.5 of hand-written', ratio: rpsRatio, met: (ratio) => ratio >= 0.5 },
    },
    {
      id: 'D',
      title: 'customers(first: 20) deep in the list vs the first page',
      subject: {
        label: 'deep page',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMERS_AFTER, () => ({ first: 20, after: context.deepCursor })),
      },
      baseline: {
        label: 'first page',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMERS_AFTER, () => ({ first: 20 })),
      },
      target: {
        description: 'first page ≤ 1.2 × deep page (req/s)',
        ratio: (subject, baseline) => baseline.rps / subject.rps,
        met: (ratio) => ratio <= 1.2,
      },
      note: deepNote,
    },
    {
      id: 'E',
      title: '_entities: 100 Customer representations vs 1',
      subject: {
        label: '100 reps',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMER_ENTITIES, () => ({ representations: representations(customerIds, 100) })),
        varies: true,
      },
      baseline: {
        label: '1 rep',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMER_ENTITIES, () => ({ representations: representations(customerIds, 1) })),
        varies: true,
      },
      target: {
        description: 'same SQL statements per request',
        ratio: (subject, baseline) => subject.statementsPerRequest / baseline.statementsPerRequest,
        met: (ratio) => Math.abs(ratio - 1) < 0.05,
      },
    },
    {
      id: 'S',
      title: 'customers(filter: { search }) finding one customer vs customers(filter: { email })',
      subject: {
        label: 'search',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMERS_FOUND, () => ({ filter: { search: pick(context.lookups).search } })),
        varies: true,
      },
      baseline: {
        label: 'email',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMERS_FOUND, () => ({ filter: { email: pick(context.lookups).email } })),
        varies: true,
      },
      target: { description: 'search ≥ 0.5 of an email lookup (req/s)', ratio: rpsRatio, met: (ratio) => ratio >= 0.5 },
      note: 'the search term is the end of a name and the number of an email, e.g. "lovelace.123456@"',
    },
    {
      id: 'T',
      title: 'customers(first: 20) with totalCount vs without',
      subject: {
        label: 'totalCount',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMERS_COUNTED, () => ({ first: 20, counted: true })),
      },
      baseline: {
        label: 'no count',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_TEST_KEY,
        body: graphql(CUSTOMERS_COUNTED, () => ({ first: 20, counted: false })),
      },
      target: { description: 'with totalCount ≥ 0.8 of without (req/s)', ratio: rpsRatio, met: (ratio) => ratio >= 0.8 },
    },
    {
      id: 'F',
      title: 'createCustomer with its event vs a raw INSERT pair in one transaction',
      subject: {
        label: 'GraphQL',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_LIVE_KEY,
        body: graphql(CREATE_CUSTOMER, () => ({ input: uniqueCustomer() })),
        varies: true,
      },
      baseline: {
        label: 'raw INSERTs',
        server: 'raw',
        path: '/create',
        key: BENCH_LIVE_KEY,
        body: () => JSON.stringify({ input: uniqueCustomer() }),
        varies: true,
      },
      target: { description: '≥ 0.5 of raw (req/s)', ratio: rpsRatio, met: (ratio) => ratio >= 0.5 },
      note: 'writes go to the LIVE environment of the bench account, emptied before the run',
    },
    {
      id: 'G',
      title: 'trackUsage of 1 with its event vs a raw conditional UPDATE and INSERT in one transaction',
      subject: {
        label: 'GraphQL',
        server: 'graphql',
        path: '/graphql',
        key: BENCH_LIVE_KEY,
        body: graphql(TRACK_USAGE, () => ({ input: usageTrack(context) })),
        varies: true,
      },
      baseline: {
        label: 'raw UPDATE',
        server: 'raw',
        path: '/track',
        key: BENCH_LIVE_KEY,
        body: () => JSON.stringify({ input: usageTrack(context) }),
        varies: true,
      },
      target: { description: '≥ 0.5 of raw (req/s)', ratio: rpsRatio, met: (ratio) => ratio >= 0.5 },
      note: `${context.meteredBalances.length.toLocaleString('en-US')} "api_calls" balances of LIVE customers made for G before the run, each allowing overage (none refuses), one picked at random per request; the GraphQL side meters in one statement (reset if due, event included), the raw side in BEGIN, UPDATE, INSERT, COMMIT`,
    },
  ];
}
