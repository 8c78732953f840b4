/** What the server tells its operators: metrics on /metrics, and traces to an OpenTelemetry collector. */
export interface ObservabilityConfig {
  /** Whether /metrics is served (METRICS=off turns it off, and with it the work of keeping the numbers). */
  metrics: boolean;
  /** METRICS_TOKEN: when set, /metrics answers only `Authorization: Bearer <token>` (401 otherwise). */
  metricsToken?: string;
  /**
   * Whether spans are exported: OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
   * is set. The OTLP exporter reads those variables itself, and OTEL_EXPORTER_OTLP_HEADERS.
   */
  tracing: boolean;
  /** OTEL_SERVICE_NAME: the service the spans are of. */
  serviceName: string;
}

export function observabilityFromEnv(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const metrics = env.METRICS?.trim().toLowerCase() || 'on';
  if (!['on', 'off', 'true', 'false'].includes(metrics)) throw new Error(`METRICS must be on or off, got "${env.METRICS}"`);
  const metricsToken = env.METRICS_TOKEN?.trim() || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(metricsToken)) {
    throw new Error('METRICS_TOKEN must be at least 16 printable characters without spaces');
  }
  return {
    metrics: metrics === 'on' || metrics === 'true',
    metricsToken,
    tracing: Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
    serviceName: env.OTEL_SERVICE_NAME || 'customer-graph',
  };
}
