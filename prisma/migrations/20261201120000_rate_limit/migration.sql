-- The per-key rate limiter's counters (src/rate-limit.ts, rate-limiter-flexible's PostgreSQL
-- store): one row per key and window. UNLOGGED: a counter of the current second is not worth a
-- WAL write per request, and losing them in a crash only forgives one second.
CREATE UNLOGGED TABLE "RateLimit" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "RateLimit_pkey" PRIMARY KEY ("key")
);
