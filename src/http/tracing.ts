import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ObservabilityConfig } from '../config/observability.ts';

/**
 * Spans to the OTLP HTTP endpoint of OTEL_EXPORTER_OTLP_ENDPOINT, when it is set; registered as
 * the process's tracer provider, whose context manager carries a request's span through its
 * asynchronous work. `shutdown` sends the spans still batched.
 */
export function tracingFromEnv(config: ObservabilityConfig): { tracer: Tracer; shutdown(): Promise<void> } | undefined {
  if (!config.tracing) return undefined;
  const provider = new NodeTracerProvider({
    resource: new Resource({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  return { tracer: provider.getTracer('customer-graph'), shutdown: () => provider.shutdown() };
}

/** Runs `work` in a span of its own, made the active one, ended when `work` (or its promise) is done. */
function inSpan<T>(tracer: Tracer, name: string, work: () => T): T {
  return tracer.startActiveSpan(name, (span) => {
    const fail = (error: unknown) => {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw error;
    };
    let result: T;
    try {
      result = work();
    } catch (error) {
      return fail(error);
    }
    // Yoga's pipeline hands back its own thenables as well as promises.
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      return (result as PromiseLike<unknown>).then((value) => {
        span.end();
        return value;
      }, fail) as T;
    }
    span.end();
    return result;
  });
}

/**
 * A span for each phase of an operation: parse, validate, execute (or subscribe), under the
 * request's span (src/http/request-observation.ts), but for the requests `untraced` names. The
 * execute span names the operation; no span carries the document, whose inline values may be
 * personal data, nor the variables.
 */
export function tracingPlugin(tracer: Tracer, untraced: (request: Request | undefined) => boolean): Plugin {
  const phase =
    (name: string) =>
    <T>({ context }: { context: { request?: Request } }, run: () => T): T =>
      untraced(context.request) ? run() : inSpan(tracer, name, run);
  return {
    instrumentation: {
      parse: phase('graphql.parse'),
      validate: phase('graphql.validate'),
      execute: phase('graphql.execute'),
      subscribe: phase('graphql.subscribe'),
    },
    onExecute({ args }) {
      nameOperation(args.document, args.operationName);
    },
    onSubscribe({ args }) {
      nameOperation(args.document, args.operationName);
    },
  };
}

function nameOperation(document: Parameters<typeof getOperationAST>[0], operationName?: string | null): void {
  const span = trace.getActiveSpan();
  const operation = getOperationAST(document, operationName);
  if (!span || !operation) return;
  span.setAttribute('graphql.operation.type', operation.operation);
  if (operation.name) span.setAttribute('graphql.operation.name', operation.name.value);
}

/**
 * A span for an SQL statement once it has run (its start is its end less its duration), under the
 * active span (the phase that sent it) or else the request's. It has the statement's text, whose
 * values are parameters, and never the parameters themselves.
 */
export function traceStatement(tracer: Tracer, requestSpan: Span, statement: { query: string; duration: number }): void {
  const active = context.active();
  const parent = trace.getSpan(active) ? active : trace.setSpan(active, requestSpan);
  const end = performance.timeOrigin + performance.now();
  const verb = /^\s*(\w+)/.exec(statement.query)?.[1]?.toUpperCase() ?? 'SQL';
  tracer
    .startSpan(
      verb,
      {
        kind: SpanKind.CLIENT,
        startTime: end - statement.duration,
        attributes: { 'db.system': 'postgresql', 'db.statement': statement.query },
      },
      parent,
    )
    .end(end);
}
