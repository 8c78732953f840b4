import { AsyncLocalStorage } from 'node:async_hooks';
import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { QueryListener } from '../data/database.ts';
import { requestIdOf } from './log.ts';
import { traceStatement } from './tracing.ts';

/** What one GraphQL request did, gathered while it runs and reported once it is answered. */
export interface RequestRecord {
  readonly id: string;
  readonly method: string;
  /** performance.now() when it arrived. */
  readonly started: number;
  operationName?: string;
  operationType?: string;
  /** The `extensions.code` of each error of its result, as answered (masked). */
  readonly errorCodes: string[];
  /** SQL statements sent while serving it. */
  statements: number;
  readonly span?: Span;
  readonly tracer?: Tracer;
}

/** Told of each request once it is answered: the request log, the metrics. */
export type AnswerListener = (record: RequestRecord, status: number, durationMs: number) => void;

export interface ObservedRequest {
  readonly record: RequestRecord;
  /** Runs the request's work as the request's own: its SQL statements count to it, its spans nest under it. */
  run<T>(work: () => T): T;
  /** Reports the request as answered with `status`. */
  answered(status: number): void;
}

const currentRequest = new AsyncLocalStorage<RequestRecord>();

/**
 * The Database's onQuery listener (src/data/database.ts): counts each statement to the request
 * it serves, and traces it. Statements of no request (migrations, the minute job) are left out.
 */
export const observeStatement: QueryListener = (statement) => {
  const record = currentRequest.getStore();
  if (!record) return;
  record.statements++;
  if (record.tracer && record.span) traceStatement(record.tracer, record.span, statement);
};

export interface RequestObservation {
  /** Observes the requests Yoga answers itself; must come before the plugins whose errors it counts. */
  plugin: Plugin;
  /** Observes a request answered outside Yoga's handler (the HTTP server's fast path, src/http/fast-path.ts). */
  begin(request: Request): ObservedRequest;
  /** The record of a request under way. */
  recordOf(request: Request | undefined): RequestRecord | undefined;
  /** Leaves `request` unobserved: one the server sends itself, to learn how Yoga answers. */
  unobserved(request: Request): Request;
  /** Whether `request` was left unobserved. */
  isUnobserved(request: Request | undefined): boolean;
}

/**
 * One record per GraphQL request, on both ways a request is answered (Yoga's handler and the
 * server's fast path): its id (answered back in `X-Request-Id`), its operation, its errors' codes,
 * its SQL statements, and with a tracer its root span; `listeners` are told of it once answered.
 */
export function createRequestObservation({
  graphqlEndpoint,
  listeners,
  tracer,
}: {
  graphqlEndpoint: string;
  listeners: AnswerListener[];
  tracer?: Tracer;
}): RequestObservation {
  const records = new WeakMap<Request, RequestRecord>();

  const begin = (request: Request): ObservedRequest => {
    const span = tracer?.startSpan(`${request.method} ${graphqlEndpoint}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'url.path': graphqlEndpoint },
    });
    const record: RequestRecord = {
      id: requestIdOf(request.headers.get('x-request-id')),
      method: request.method,
      started: performance.now(),
      errorCodes: [],
      statements: 0,
      span,
      tracer,
    };
    records.set(request, record);
    const spanContext = span && trace.setSpan(context.active(), span);
    return {
      record,
      run: (work) => currentRequest.run(record, spanContext ? () => context.with(spanContext, work) : work),
      answered(status) {
        const durationMs = performance.now() - record.started;
        for (const listener of listeners) listener(record, status, durationMs);
        if (span) endRequestSpan(span, record, status);
      },
    };
  };

  const recordOf = (request: Request | undefined) => (request ? records.get(request) : undefined);

  const noteOperation = (request: Request | undefined, document: Parameters<typeof getOperationAST>[0], name?: string | null) => {
    const record = recordOf(request);
    if (!record) return;
    const operation = getOperationAST(document, name);
    record.operationName = operation?.name?.value;
    record.operationType = operation?.operation;
  };

  const underWay = new WeakMap<Request, ObservedRequest>();
  const internal = new WeakSet<Request>();
  return {
    begin,
    recordOf,
    unobserved(request) {
      internal.add(request);
      return request;
    },
    isUnobserved: (request) => request !== undefined && internal.has(request),
    plugin: {
      instrumentation: {
        request({ request }, handle) {
          if (internal.has(request) || !isGraphQLEndpoint(request.url, graphqlEndpoint)) return handle();
          const observed = begin(request);
          underWay.set(request, observed);
          return observed.run(handle);
        },
      },
      onResponse({ request, response }) {
        const observed = underWay.get(request);
        if (!observed) return;
        underWay.delete(request);
        response.headers.set('x-request-id', observed.record.id);
        observed.answered(response.status);
      },
      onExecute({ args }) {
        noteOperation(args.contextValue.request, args.document, args.operationName);
      },
      onSubscribe({ args }) {
        noteOperation(args.contextValue.request, args.document, args.operationName);
      },
      onExecutionResult({ request, result }) {
        const record = recordOf(request);
        if (!record || isAsyncIterable(result)) return;
        for (const each of Array.isArray(result) ? result : [result]) {
          for (const error of each.errors ?? []) record.errorCodes.push(String(error.extensions?.code ?? 'UNKNOWN'));
        }
      },
    },
  };
}

function isGraphQLEndpoint(url: string, endpoint: string): boolean {
  const { pathname } = new URL(url);
  return pathname === endpoint;
}

function endRequestSpan(span: Span, record: RequestRecord, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (record.operationName) span.setAttribute('graphql.operation.name', record.operationName);
  if (record.operationType) span.setAttribute('graphql.operation.type', record.operationType);
  if (record.errorCodes.length) span.setAttribute('graphql.error.codes', record.errorCodes);
  span.setAttribute('db.statement.count', record.statements);
  if (failed(record, status)) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** A request failed when it was answered with an error status or with errors in its result. */
export function failed(record: RequestRecord, status: number): boolean {
  return status >= 400 || record.errorCodes.length > 0;
}
