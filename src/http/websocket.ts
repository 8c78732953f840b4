import type { IncomingMessage, Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { type GraphQLError, parse } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { apiError } from '../domain/errors.ts';
import type { App } from './app.ts';

/** Closes a connection that has held no subscription this long (a code of the range applications own). */
const IDLE_CLOSE_CODE = 4000;

interface Connection {
  /** Ids of the operations running on it. */
  operations: Set<string>;
  idle?: NodeJS.Timeout;
}

/**
 * GraphQL over WebSocket with the graphql-ws protocol (Apollo Client, urql), on the GraphQL
 * endpoint. Each operation runs through Yoga's own pipeline (its plugins, the context with the API
 * key check, validation and limits), the key taken from `connection_init`'s payload
 * (`{ "authorization": "Bearer sk_…" }`) or else the upgrade request's Authorization header.
 */
export function serveWebSockets(server: Server, app: App): WebSocketServer {
  const sockets = new WebSocketServer({ server, path: app.graphqlEndpoint, maxPayload: app.limits.maxBodyBytes });
  const connections = new WeakMap<WebSocket, Connection>();

  const idleAfterwards = (socket: WebSocket) => {
    const connection = connections.get(socket);
    if (!connection || connection.operations.size > 0) return;
    clearTimeout(connection.idle);
    connection.idle = setTimeout(
      () => socket.close(IDLE_CLOSE_CODE, `No subscription for ${app.liveLimits.idleConnectionMs / 1000} s`),
      app.liveLimits.idleConnectionMs,
    );
    connection.idle.unref();
  };

  sockets.on('connection', (socket) => {
    connections.set(socket, { operations: new Set() });
    idleAfterwards(socket);
    socket.on('close', () => clearTimeout(connections.get(socket)?.idle));
  });

  useServer<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>(
    {
      execute: (args) => (args.rootValue as { execute: (args: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (args: ExecutionArgs) => unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, id, params) => {
        const connection = connections.get(ctx.extra.socket)!;
        if (connection.operations.size >= app.liveLimits.perConnection) {
          return [
            apiError(
              'TOO_MANY_SUBSCRIPTIONS',
              `A WebSocket connection may hold ${app.liveLimits.perConnection} subscriptions open at once`,
            ),
          ];
        }
        const authorization = ctx.connectionParams?.authorization ?? ctx.extra.request.headers.authorization;
        const request = new app.fetchAPI.Request(`http://localhost${app.graphqlEndpoint}`, {
          method: 'POST',
          headers: typeof authorization === 'string' ? { authorization } : {},
        });
        const { schema, execute, subscribe, contextFactory, validate } = app.getEnveloped({ request, params, socket: ctx.extra.socket });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(params.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document);
        if (errors.length) return errors;
        let contextValue: unknown;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          return [error as GraphQLError];
        }
        connection.operations.add(id);
        clearTimeout(connection.idle);
        return {
          schema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
      },
      onComplete: (ctx, id) => {
        connections.get(ctx.extra.socket)?.operations.delete(id);
        idleAfterwards(ctx.extra.socket);
      },
    },
    sockets,
  );
  return sockets;
}

/** Ends every WebSocket connection, as a server going down does (graphql-ws's code for it). */
export function closeWebSockets(sockets: WebSocketServer): Promise<void> {
  for (const socket of sockets.clients) socket.close(CloseCode.InternalServerError, 'The server is shutting down');
  return new Promise((resolve) => sockets.close(() => resolve()));
}
