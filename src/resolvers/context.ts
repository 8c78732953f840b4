import type { YogaInitialContext } from 'graphql-yoga';
import { type Caller, createAuthenticator } from '../auth/api-keys.ts';
import type { RateLimit } from '../auth/rate-limit.ts';
import type { Database } from '../data/database.ts';
import { createLoaders, type Loaders } from '../data/loaders.ts';
import { apiError } from '../domain/errors.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { LiveEvents } from './live.ts';

/** What every resolver and service receives for a request. */
export interface Context {
  /** The primary's; a replica's for a query that src/http/replica-reads.ts sends there. */
  prisma: PrismaClient;
  /** What the compiled read runs its statement with, from the same database as `prisma`. */
  read: Database['read'];
  /** One statement that writes and commits alone, on the primary (src/data/database.ts). */
  write: Database['write'];
  /** The account and environment of the request's API key: everything read and written is theirs. */
  caller: Caller;
  loaders: Loaders;
  /** The request's `Idempotency-Key` header, if any. */
  idempotencyKey?: string;
  /** The events of every server process as they commit, for subscriptions. */
  live: LiveEvents;
}

export function unauthenticated() {
  return apiError('UNAUTHENTICATED', 'A valid API key is required: send "Authorization: Bearer sk_test_…" or "sk_live_…"', {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
}

/**
 * Builds the per-request context; a request without a valid API key ends here with 401, and one
 * past its key's rate limit with 429.
 */
export function createContext(db: Database, rateLimit: RateLimit, live: LiveEvents) {
  const { prisma, read, write } = db;
  const authenticate = createAuthenticator(db);
  return async ({ request }: YogaInitialContext): Promise<Context> => {
    const caller = await authenticate(request.headers.get('authorization'));
    if (!caller) throw unauthenticated();
    await rateLimit(caller);
    return {
      prisma,
      read,
      write,
      caller,
      loaders: createLoaders(prisma, caller),
      idempotencyKey: request.headers.get('idempotency-key') ?? undefined,
      live,
    };
  };
}
