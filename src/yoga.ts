import { createYoga, type Plugin } from 'graphql-yoga';
import { type Context, createContext } from './context.ts';
import { customerReadAsJson } from './customer-json.ts';
import type { Database } from './db.ts';
import { compiledExecution } from './jit.ts';
import { type Limits, limitsFromEnv } from './limits.ts';
import { requestLimitPlugins } from './request-limits.ts';
import { schema } from './schema/index.ts';
import { maskError } from './unavailable.ts';

export interface AppOptions {
  db: Database;
  /** Key written into GraphiQL's headers, so the embedded demo's first query just works. */
  graphiqlApiKey?: string;
  plugins?: Plugin[];
  /** Defaults to src/limits.ts with INTROSPECTION read from the environment. */
  limits?: Limits;
}

export const DEFAULT_QUERY = `# Your demo API key is already in the Headers tab below.
query FirstCustomers {
  customers(first: 5) {
    totalCount
    edges {
      node {
        id
        name
        email
        subscriptions { planId status }
        balances { featureId remaining }
        stats { invoiceCount totalSpent { amount currency } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

export function createApp({ db, graphiqlApiKey, plugins = [], limits = limitsFromEnv() }: AppOptions) {
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    context: createContext(db),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    maskedErrors: { maskError },
    // src/request-input.ts holds the body to limits.maxBodyBytes while it reads it.
    maxRequestBodySize: false,
    // Before the limits: their execution timeout races whatever executor is set before it.
    plugins: [...plugins, compiledExecution(), customerReadAsJson(db), ...requestLimitPlugins(limits)],
    // Loaded when GraphiQL is first asked for: its bundle holds 27 MB of heap that the API never needs.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    graphiql: {
      title: 'Customer graph',
      defaultQuery: DEFAULT_QUERY,
      headers: JSON.stringify(graphiqlApiKey ? { Authorization: `Bearer ${graphiqlApiKey}` } : { Authorization: 'Bearer sk_test_…' }),
      shouldPersistHeaders: false,
    },
  });
  // The HTTP server's fast path (src/fast-path.ts) holds bodies to the same limit as the plugins.
  return Object.assign(yoga, { limits });
}

export type App = ReturnType<typeof createApp>;
