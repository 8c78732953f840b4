import type { GraphQLError } from 'graphql';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Limits } from '../config/limits.ts';
import type { Database } from '../data/database.ts';
import { apiError } from '../domain/errors.ts';
import type { Environment } from '../generated/prisma/enums.ts';
import type { Caller } from './api-keys.ts';

/** Counts one operation against its API key's limit; throws RATE_LIMITED (HTTP 429) past it. */
export type RateLimit = (caller: Caller) => Promise<void>;

function rateLimited(limit: number, msBeforeNext: number): GraphQLError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return apiError('RATE_LIMITED', `Too many requests: this API key may run ${limit} operations a second; retry after ${seconds} s`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

/**
 * On PostgreSQL the counters live in the database, so that every server process sharing it
 * counts against the same limit; on the embedded database, which one process owns, in memory.
 * A key past its limit is refused from memory until its window ends, sparing the database a
 * write per refused request; while the database cannot be reached, each process counts alone.
 */
function limiterFor(db: Database, env: Environment, points: number): RateLimiterAbstract {
  const options = { points, duration: 1, keyPrefix: `ops_${env.toLowerCase()}` };
  if (!db.pool) return new RateLimiterMemory(options);
  return new RateLimiterPostgres({
    ...options,
    storeClient: db.pool,
    storeType: 'pool',
    tableName: 'RateLimit',
    tableCreated: true,
    inMemoryBlockOnConsumed: points,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}

/** The rate limit of `limits.rateLimit`; an environment whose limit is 0 is not limited. */
export function createRateLimit(db: Database, limits: Limits): RateLimit {
  const limiters = new Map<Environment, { limit: number; limiter: RateLimiterAbstract }>();
  for (const env of ['LIVE', 'TEST'] as const) {
    const limit = limits.rateLimit[env];
    if (limit > 0) limiters.set(env, { limit, limiter: limiterFor(db, env, limit) });
  }
  return async (caller) => {
    const limited = limiters.get(caller.env);
    if (!limited) return;
    try {
      await limited.limiter.consume(caller.keyId);
    } catch (refusal) {
      // The store failed and so did its insurance: an outage of the counters lets requests through.
      if (!(refusal instanceof RateLimiterRes)) return;
      throw rateLimited(limited.limit, refusal.msBeforeNext);
    }
  };
}
