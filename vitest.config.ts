import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql ships CommonJS and ESM builds; some dependencies require() it while vite would import
  // the ESM one, and graphql refuses types from "another realm". One build for everyone.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file gets its own database, so files run in parallel safely.
    fileParallelism: true,
    // The suite sends far more than 25 operations a second with one key; test/rate-limit.test.ts
    // sets the limits it tests, defaults included.
    env: { RATE_LIMIT_LIVE: '0', RATE_LIMIT_TEST: '0' },
  },
});
