// The server under test: the real app and HTTP server on the bench database, in a process of
// its own, counting SQL statements through Prisma's query events.

import { limitsFromEnv } from '../src/config/limits.ts';
import { openDatabase } from '../src/data/database.ts';
import { createApp } from '../src/http/app.ts';
import { createHttpServer } from '../src/http/server.ts';
import { countStatement, serveForBench } from './server-process.ts';

const limits = limitsFromEnv();
const db = await openDatabase({
  databaseUrl: process.env.DATABASE_URL!,
  onQuery: countStatement,
  statementTimeoutMs: limits.executionTimeoutMs,
});
const server = createHttpServer(createApp({ db, limits }), db);
serveForBench(server, () => db.close());
