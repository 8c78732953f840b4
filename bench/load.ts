import autocannon from 'autocannon';
import type { Side } from './scenarios.ts';

export interface LoadOptions {
  connections: number;
  /** Seconds. */
  duration: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
}

/** Drives one side with autocannon; any error, timeout or non-2xx answer fails the bench. */
export async function load(baseUrl: string, side: Side, options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: baseUrl + side.path,
    method: side.path === '/bare' ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${side.key}` },
    connections: options.connections,
    duration: options.duration,
    ...(side.varies
      ? { requests: [{ setupRequest: (request) => ({ ...request, body: side.body() }) }] }
      : { body: side.body() || undefined }),
  });
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures) throw new Error(`${side.label} at ${side.path}: ${failures} of ${result.requests.total} requests failed`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}
