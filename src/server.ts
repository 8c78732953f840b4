import { createServer, type Server } from 'node:http';
import type { Database } from './db.ts';
import { queryFastPath } from './fast-path.ts';
import { pendingMigrations } from './migrate.ts';
import type { App } from './yoga.ts';

async function databaseReady(db: Database): Promise<{ ready: boolean; reason?: string }> {
  try {
    const session = await db.openSession();
    try {
      const pending = await pendingMigrations(session);
      return pending.length ? { ready: false, reason: `migrations pending: ${pending.join(', ')}` } : { ready: true };
    } finally {
      await session.release();
    }
  } catch {
    return { ready: false, reason: 'database unreachable' };
  }
}

/**
 * The HTTP server: GraphQL on /graphql, and for load balancers /health (the process is alive)
 * and /ready (the database answers and its migrations are current).
 */
export function createHttpServer(app: App, db: Database): Server {
  const graphql = queryFastPath(app);
  return createServer(async (req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/ready') {
      const { ready, reason } = await databaseReady(db);
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(ready ? { status: 'ready' } : { status: 'unavailable', reason }));
      return;
    }
    return graphql(req, res);
  });
}

/** Stops taking connections, lets requests in flight finish, then closes the database. */
export async function shutdown(server: Server, db: Database): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await db.close();
}
