import type { Tracer } from '@opentelemetry/api';
import { createYoga, type Plugin } from 'graphql-yoga';
import { createRateLimit } from '../auth/rate-limit.ts';
import { LIVE_LIMITS, type Limits, type LiveLimits, limitsFromEnv } from '../config/limits.ts';
import { type ObservabilityConfig, observabilityFromEnv } from '../config/observability.ts';
import type { Database } from '../data/database.ts';
import { type Context, createContext } from '../resolvers/context.ts';
import { createLiveEvents } from '../resolvers/live.ts';
import { schema } from '../schema/index.ts';
import { compiledRead } from './compiled-read.ts';
import { createLogger, errorLog, type Logger, requestLog } from './log.ts';
import { fromLoopback } from './loopback.ts';
import { createMetrics } from './metrics.ts';
import { notAcceptable } from './not-acceptable.ts';
import { replicaReads } from './replica-reads.ts';
import { requestLimitPlugins } from './request-limits.ts';
import { createRequestObservation } from './request-observation.ts';
import { tracingPlugin } from './tracing.ts';
import { trustedDocuments } from './trusted-documents.ts';
import { maskError } from './unavailable.ts';

export interface AppOptions {
  db: Database;
  /** Key written into GraphiQL's headers for a browser on this machine (src/http/loopback.ts), so the embedded demo's first query just works. */
  graphiqlApiKey?: string;
  plugins?: Plugin[];
  /** Defaults to src/config/limits.ts with INTROSPECTION and the rate limits read from the environment. */
  limits?: Limits;
  /**
   * Answer queries with the compiled read where it can (default). Off, the resolvers answer
   * everything: the reference the parity test compares the compiled read with.
   */
  compiledRead?: boolean;
  /** Where errors are logged (by code, path and request id); JSON lines on standard output by default. */
  logger?: Logger;
  /** Limits of live updates (src/config/limits.ts); smaller ones let tests reach them. */
  liveLimits?: LiveLimits;
  /** Whether `logger` gets one line per GraphQL request (src/http/log.ts); off by default, so that tests print nothing. */
  logRequests?: boolean;
  /** /metrics and its token; defaults to src/config/observability.ts read from the environment. */
  observability?: ObservabilityConfig;
  /** Where the spans of each request go (src/http/tracing.ts); none without one. */
  tracer?: Tracer;
}

export const DEFAULT_QUERY = `query FirstCustomers {
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

export function createApp({
  db,
  graphiqlApiKey,
  plugins = [],
  limits = limitsFromEnv(),
  logger = createLogger(),
  compiledRead: compile = true,
  liveLimits = LIVE_LIMITS,
  logRequests = false,
  observability = observabilityFromEnv(),
  tracer,
}: AppOptions) {
  const live = createLiveEvents(db, liveLimits);
  const metrics = observability.metrics
    ? createMetrics({ token: observability.metricsToken, pool: db.pool, openSubscriptions: () => live.open() })
    : undefined;
  const observation = createRequestObservation({
    graphqlEndpoint: '/graphql',
    listeners: [...(metrics ? [metrics.onAnswered] : []), ...(logRequests ? [requestLog(logger)] : [])],
    tracer,
  });
  const errors = errorLog(logger, (request) => observation.recordOf(request)?.id);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    context: createContext(db, createRateLimit(db, limits), live),
    logging: errors.logging,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    maskedErrors: { maskError },
    // src/http/request-input.ts holds the body to limits.maxBodyBytes while it reads it.
    maxRequestBodySize: false,
    // Before the limits: their execution timeout races whatever executor is set before it.
    plugins: [
      // First: its instrumentation wraps the whole request, so that its statements and spans are counted to it.
      observation.plugin,
      ...(metrics?.plugins ?? []),
      ...(tracer ? [tracingPlugin(tracer, observation.isUnobserved)] : []),
      ...plugins,
      errors.plugin,
      ...trustedDocuments(limits.trustedDocuments),
      notAcceptable(),
      ...(compile ? [compiledRead(db, metrics?.onCompiled)] : []),
      ...(db.replicas ? [replicaReads(db.replicas)] : []),
      ...requestLimitPlugins(limits),
    ],
    // Loaded when GraphiQL is first asked for: its bundle holds 27 MB of heap that the API never needs.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    // Whoever reaches the port gets GraphiQL; only a browser on this machine gets the demo key in it.
    graphiql: (request, serverContext) => {
      const demoKey = graphiqlApiKey && fromLoopback(request, serverContext) ? graphiqlApiKey : undefined;
      return {
        title: 'Customer graph',
        defaultQuery: `${demoKey ? '# Your demo API key is already in the Headers tab below.' : '# Put your API key in the Headers tab below.'}\n${DEFAULT_QUERY}`,
        headers: JSON.stringify({ Authorization: `Bearer ${demoKey ?? 'sk_test_…'}` }),
        shouldPersistHeaders: false,
      };
    },
  });
  // The HTTP server's fast path (src/http/fast-path.ts) holds bodies to the same limit as the plugins.
  return Object.assign(yoga, { limits, liveLimits, live, observation });
}

export type App = ReturnType<typeof createApp>;
