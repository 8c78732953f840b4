/** The account the bench data belongs to, with keys known in advance so the bench can use them. */
export const BENCH_ACCOUNT_ID = 'acct_Benchmark000000000000000';
/** Reads (scenarios A–E) see the TEST customers that bench:data loads. */
export const BENCH_TEST_KEY = 'sk_test_BenchmarkReadKey000000000000';
/** Writes (scenarios F and G) go to LIVE, so the TEST data that B to E read never changes. */
export const BENCH_LIVE_KEY = 'sk_live_BenchmarkWriteKey00000000000';

export const DEFAULT_BENCH_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/cg_bench';
