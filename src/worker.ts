// A worker process of `npm start` on PostgreSQL (src/main.ts forks WEB_CONCURRENCY of them): the
// API on its own pool of connections, on the port the workers share.
import { databaseSettings, loadConfig } from './config/env.ts';
import { limitsFromEnv } from './config/limits.ts';
import { openDatabase } from './data/database.ts';
import { observeStatement } from './http/request-observation.ts';
import { serveProcess } from './http/serve.ts';

const config = loadConfig();
const limits = limitsFromEnv();
const db = await openDatabase({
  ...databaseSettings(config),
  replicaUrls: config.replicaUrls,
  replicaMaxLagMs: config.replicaMaxLagMs,
  statementTimeoutMs: limits.executionTimeoutMs,
  onQuery: observeStatement,
});
serveProcess({ config, limits, db, dueWork: process.env.WORKER_DUE_WORK === 'true', onListening: () => {} });
