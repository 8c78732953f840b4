import { createHash, timingSafeEqual } from 'node:crypto';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type AnswerListener, failed } from './request-observation.ts';

export const METRICS_PATH = '/metrics';

/**
 * Operation names a process keeps a series of; past them an operation counts as `other`. Names
 * are the clients' own (only authenticated callers reach execution, where they are read), and
 * each one costs every metric it labels a series, for good.
 */
const MAX_OPERATION_NAMES = 200;

export interface Metrics {
  /** Serves /metrics (with the token when there is one), and the errors by phase of @graphql-yoga/plugin-prometheus. */
  plugins: Plugin[];
  /** Counts each GraphQL request once answered. */
  onAnswered: AnswerListener;
  /** Counts a statement the compiled read built. */
  onCompiled: () => void;
}

/**
 * The Prometheus metrics of one app, in a registry of its own: requests and their latency by
 * operation, status and outcome; errors by code; rate-limit refusals; SQL statements per request;
 * statements the compiled read built; open subscriptions; on PostgreSQL the connection pool;
 * errors by the phase they arose in; and the process's own (CPU, memory, event loop).
 */
export function createMetrics({
  token,
  pool,
  openSubscriptions,
}: {
  token?: string;
  pool?: pg.Pool;
  openSubscriptions: () => number;
}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const requests = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL requests over HTTP by operation name, HTTP status and outcome (success or error), and the time to answer them',
    labelNames: ['operation', 'status', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const errors = new Counter({
    name: 'graphql_errors_total',
    help: 'Errors answered, by their extensions.code (INTERNAL_SERVER_ERROR for whatever was masked)',
    labelNames: ['code'] as const,
    registers,
  });
  const compiled = new Counter({
    name: 'graphql_compiled_read_compilations_total',
    help: 'Statements the compiled read built for a document and the values of the variables they depend on; other requests reuse them',
    registers,
  });
  const rateLimited = new Counter({
    name: 'graphql_rate_limit_refusals_total',
    help: 'Requests refused because their API key was past its rate limit (RATE_LIMITED)',
    registers,
  });
  const statements = new Histogram({
    name: 'graphql_sql_statements_per_request',
    help: 'SQL statements sent to serve one GraphQL request, by operation name',
    labelNames: ['operation'] as const,
    buckets: [0, 1, 2, 3, 5, 8, 13, 21, 34, 55],
    registers,
  });
  new Gauge({
    name: 'graphql_open_subscriptions',
    help: 'Subscriptions open in this process, over SSE and WebSocket',
    registers,
    collect() {
      this.set(openSubscriptions());
    },
  });
  if (pool) {
    new Gauge({
      name: 'db_pool_connections',
      help: 'Connections of the PostgreSQL pool, by state (in_use: lent to a statement or transaction; idle: open, waiting to be lent)',
      labelNames: ['state'] as const,
      registers,
      collect() {
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
      },
    });
    new Gauge({
      name: 'db_pool_max_connections',
      help: 'Connections the PostgreSQL pool may open',
      registers,
      collect() {
        this.set(pool.options.max);
      },
    });
    new Gauge({
      name: 'db_pool_waiting_clients',
      help: 'Statements and transactions waiting for a connection of the PostgreSQL pool, all in use',
      registers,
      collect() {
        this.set(pool.waitingCount);
      },
    });
  }

  const operationNames = new Set<string>();
  const operationLabel = (name: string | undefined) => {
    if (!name) return 'anonymous';
    if (operationNames.has(name)) return name;
    if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    operationNames.add(name);
    return name;
  };

  const expected = token === undefined ? undefined : digest(token);
  const authorized = (header: string | null) =>
    expected === undefined || (header?.startsWith('Bearer ') === true && timingSafeEqual(digest(header.slice(7).trim()), expected));

  const endpoint: Plugin = {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (url.pathname !== METRICS_PATH || request.method !== 'GET') return;
      if (!authorized(request.headers.get('authorization'))) {
        endResponse(
          new fetchAPI.Response('A valid metrics token is required: send "Authorization: Bearer <METRICS_TOKEN>"\n', {
            status: 401,
            headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' },
          }),
        );
        return;
      }
      return registry
        .metrics()
        .then((body) => endResponse(new fetchAPI.Response(body, { headers: { 'content-type': registry.contentType } })));
    },
  };

  return {
    plugins: [
      endpoint,
      usePrometheus({
        registry,
        endpoint: false,
        // Operation names are labelled by the metrics above, bounded; an error's path holds list indexes.
        labels: { operationName: false, path: false },
        metrics: {
          // The phase histograms cost a tenth of the throughput of a small query (BENCHMARKS.md);
          // the request histogram above has the latency of each operation.
          graphql_envelop_phase_parse: false,
          graphql_envelop_phase_validate: false,
          graphql_envelop_phase_context: false,
          graphql_envelop_phase_execute: false,
          graphql_envelop_phase_subscribe: false,
          graphql_envelop_error_result: true,
          // The request histogram above has these, for the requests the server's fast path answers too.
          graphql_envelop_request: false,
          graphql_envelop_request_duration: false,
          graphql_yoga_http_duration: false,
          // A summary computes quantiles on every observation, and the deprecated-field count walks every document.
          graphql_envelop_request_time_summary: false,
          graphql_envelop_deprecated_field: false,
          graphql_envelop_schema_change: false,
        },
      }),
    ],
    onCompiled: () => compiled.inc(),
    onAnswered(record, status, durationMs) {
      const operation = operationLabel(record.operationName);
      requests.observe({ operation, status, outcome: failed(record, status) ? 'error' : 'success' }, durationMs / 1000);
      statements.observe({ operation }, record.statements);
      for (const code of record.errorCodes) {
        errors.inc({ code });
        if (code === 'RATE_LIMITED') rateLimited.inc();
      }
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
