import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { finished } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Database } from '../data/database.ts';
import { pendingMigrations } from '../data/migrate.ts';
import { ERROR_CATALOGUE } from '../domain/errors.ts';
import type { App } from './app.ts';
import { operationFastPath } from './fast-path.ts';
import { closeWebSockets, serveWebSockets } from './websocket.ts';

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

/** A body sent without Content-Length (chunked): all of it, or what came until it grew past `maxBytes`. */
function readChunkedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length > maxBytes) {
        req.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    req.on('data', onData);
    finished(req, (error) => (error ? reject(error) : resolve(Buffer.concat(chunks))));
  });
}

/**
 * Answers a chunked body past the limit with Yoga's own 413, as for a body whose Content-Length
 * is too large, then closes the connection once the client has sent the rest, which is read and
 * dropped meanwhile: a connection closed with bytes still unread is reset (TCP RST), and the
 * reset can destroy the answer before the client reads it (it saw ECONNRESET). A client that
 * never stops sending is cut by the request timeout.
 */
async function refuseTooLarge(app: App, req: IncomingMessage, res: ServerResponse, received: Buffer): Promise<void> {
  req.resume();
  const answer = await app.fetch(`http://localhost${req.url}`, {
    method: req.method,
    headers: req.headers as Record<string, string>,
    body: received,
  });
  const body = Buffer.from(await answer.arrayBuffer());
  res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), 'content-length': body.length, connection: 'close' });
  res.write(body);
  finished(req, () => res.end());
}

// Answered before Yoga, which builds the request's URL from the Host header and fails on one that is no host.
const INVALID_HOST = JSON.stringify({
  errors: [{ message: 'The Host header must be a host name or IP address, with an optional port', extensions: { code: 'BAD_REQUEST' } }],
});

/**
 * The HTTP server: GraphQL on /graphql, and for load balancers /health (the process is alive)
 * and /ready (the database answers and its migrations are current). It holds clients to the
 * HTTP limits of `app.limits`.
 */
export function createHttpServer(app: App, db: Database): Server {
  const graphql = operationFastPath(app);
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections, maxBodyBytes } = app.limits;
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // How often Node looks for requests past those timeouts; by default every 30 s, so that a
      // client could hold a connection 30 s past them.
      connectionsCheckingInterval: Math.min(headersTimeoutMs, requestTimeoutMs) / 10,
    },
    async (req, res) => {
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
      // Yoga builds the request's URL from the Host header, and fails on one that is no host.
      if (req.headers.host !== undefined && !URL.canParse(`http://${req.headers.host}`)) {
        res
          .writeHead(ERROR_CATALOGUE.BAD_REQUEST.status, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(INVALID_HOST),
            connection: 'close',
          })
          .end(INVALID_HOST);
        return;
      }
      if (req.headers['transfer-encoding'] !== undefined) {
        let body: Buffer;
        try {
          body = await readChunkedBody(req, maxBodyBytes);
        } catch {
          return; // The client went away while sending.
        }
        if (body.length > maxBodyBytes) return refuseTooLarge(app, req, res, body);
        // Yoga's Node adapter reads a body found here instead of the stream, which is spent.
        Object.assign(req, { body });
      }
      return graphql(req, res);
    },
  );
  server.maxConnections = maxConnections;
  webSockets.set(server, serveWebSockets(server, app));
  return server;
}

const webSockets = new WeakMap<Server, WebSocketServer>();

/** Stops taking connections, lets requests in flight finish, then closes the database. */
export async function shutdown(server: Server, db: Database): Promise<void> {
  const sockets = webSockets.get(server);
  if (sockets) await closeWebSockets(sockets);
  await new Promise<void>((resolve) => {
    // close() ends the connections idle now; one answering a request would then stay open, idle,
    // for the keep-alive timeout: it is ended once its answer is out.
    const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(closeIdle);
      resolve();
    });
  });
  await db.close();
}
