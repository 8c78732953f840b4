// Traces through the public API: the spans of a request, as an OpenTelemetry collector receives them.
import type { Server } from 'node:http';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, listenOnLoopback } from './helpers.ts';
import { createObservedApp, type ObservedApp } from './support/observed-app.ts';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// As src/http/tracing.ts does: the provider's context manager carries the active span through a request.
provider.register();

const EMAIL = 'traced.person@example.com';
const FIND = `query FindByEmail($email: String!) {
  customers(first: 5, filter: { email: $email }) { edges { node { id name subscriptions { planId } } } }
}`;

let t: ObservedApp;
beforeAll(async () => {
  t = await createObservedApp({ tracer: provider.getTracer('test') });
  const created = await t.post(
    'mutation { createCustomer(input: { name: "Traced", email: "traced.person@example.com" }) { customer { id } } }',
  );
  expect(created.status).toBe(200);
});
afterAll(async () => {
  await t?.close();
  await provider.shutdown();
  trace.disable();
});
beforeEach(() => exporter.reset());

/** The spans of the one trace a request made, checked to form one tree under its server span. */
function traceOf(spans: ReadableSpan[]) {
  const roots = spans.filter((span) => !span.parentSpanId);
  expect(roots.map((span) => span.name)).toEqual(['POST /graphql']);
  const [root] = roots;
  const traceId = root.spanContext().traceId;
  expect(spans.every((span) => span.spanContext().traceId === traceId)).toBe(true);
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  const ancestors = (span: ReadableSpan): string[] => {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    return parent ? [parent.name, ...ancestors(parent)] : [];
  };
  for (const span of spans) if (span !== root) expect(ancestors(span).at(-1), `${span.name} hangs off the request`).toBe('POST /graphql');
  return { root, named: (name: string) => spans.filter((span) => span.name === name), ancestors };
}

function checkRequestSpans(spans: ReadableSpan[]) {
  const { root, named, ancestors } = traceOf(spans);
  expect(root.attributes).toMatchObject({ 'http.response.status_code': 200, 'graphql.operation.name': 'FindByEmail' });
  for (const phase of ['graphql.parse', 'graphql.validate', 'graphql.execute']) {
    expect(named(phase), phase).toHaveLength(1);
    expect(ancestors(named(phase)[0])).toEqual(['POST /graphql']);
  }
  expect(named('graphql.execute')[0].attributes).toMatchObject({
    'graphql.operation.name': 'FindByEmail',
    'graphql.operation.type': 'query',
  });
  const statements = spans.filter((span) => span.attributes['db.system'] === 'postgresql');
  expect(statements.length).toBeGreaterThan(0);
  expect(root.attributes['db.statement.count']).toBe(statements.length);
  for (const statement of statements) {
    expect(ancestors(statement)[0], 'a statement hangs off the phase that sent it').toBe('graphql.execute');
    expect(statement.name).toMatch(/^[A-Z]+$/);
    expect(String(statement.attributes['db.statement'])).toMatch(/\$1/);
  }
  // The statement's text, never its parameters, nor anything else of the request's values.
  expect(JSON.stringify(spans.map((span) => [span.name, span.attributes, span.events]))).not.toContain(EMAIL);
}

describe('a traced request', () => {
  it('has parse, validate and execute spans, and one span per SQL statement under execute, in one trace', async () => {
    const response = await t.post(FIND, { email: EMAIL });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).data.customers.edges).toHaveLength(1);
    checkRequestSpans(exporter.getFinishedSpans());
  });

  it('is traced alike when the HTTP server answers it on its fast path', async () => {
    const server: Server = createHttpServer(t.app, t.db);
    try {
      const url = await listenOnLoopback(server);
      exporter.reset();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.merchant.testKey}` },
        body: JSON.stringify({ query: FIND, variables: { email: EMAIL } }),
      });
      expect(response.status).toBe(200);
      await response.text();
      checkRequestSpans(exporter.getFinishedSpans());
    } finally {
      await closeServer(server);
    }
  });

  it('marks a failed request, naming its error codes', async () => {
    const response = await t.post(FIND, { email: EMAIL }, { key: null });
    expect(response.status).toBe(401);
    const { root, named } = traceOf(exporter.getFinishedSpans());
    expect(root.status.code).toBe(2);
    expect(root.attributes).toMatchObject({ 'http.response.status_code': 401, 'graphql.error.codes': ['UNAUTHENTICATED'] });
    expect(named('graphql.execute')).toHaveLength(0);
  });
});
