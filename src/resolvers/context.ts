import { randomUUID } from 'node:crypto';
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
  prisma: PrismaClient;
  /** The account and environment of the request's API key: everything read and written is theirs. */
  caller: Caller;
  loaders: Loaders;
  /** The request's `Idempotency-Key` header, if any. */
  idempotencyKey?: string;
  /** The request's `X-Request-Id` when it is a plain token, else a new one: what its log lines carry. */
  requestId: string;
  /** The events of every server process as they commit, for subscriptions. */
  live: LiveEvents;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

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
  const { prisma } = db;
  const authenticate = createAuthenticator(db);
  return async ({ request }: YogaInitialContext): Promise<Context> => {
    const caller = await authenticate(request.headers.get('authorization'));
    if (!caller) throw unauthenticated();
    await rateLimit(caller);
    const requestId = request.headers.get('x-request-id');
    return {
      prisma,
      caller,
      loaders: createLoaders(prisma, caller),
      idempotencyKey: request.headers.get('idempotency-key') ?? undefined,
      requestId: requestId && REQUEST_ID.test(requestId) ? requestId : randomUUID(),
      live,
    };
  };
}
