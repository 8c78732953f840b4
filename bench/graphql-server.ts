// The server under test: the real app and HTTP server on the bench database, in a process of
// its own, counting SQL statements through Prisma's query events.
import { openDatabase } from '../src/db.ts';
import { limitsFromEnv } from '../src/limits.ts';
import { createHttpServer } from '../src/server.ts';
import { createApp } from '../src/yoga.ts';
import { countStatement, serveForBench } from './server-process.ts';

const limits = limitsFromEnv();
const db = await openDatabase({
  databaseUrl: process.env.DATABASE_URL!,
  onQuery: countStatement,
  statementTimeoutMs: limits.executionTimeoutMs,
});
const server = createHttpServer(createApp({ db, limits }), db);
serveForBench(server, () => db.close());
