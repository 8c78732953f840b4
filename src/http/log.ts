import { type GraphQLError, getOperationAST } from 'graphql';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** JSON lines on standard output (or `destination`); LOG_LEVEL (default info) sets the threshold. */
export function createLogger(destination?: DestinationStream): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? 'info', base: null, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

interface Tag {
  requestId: string;
  operationName?: string;
}

/** What tells an error apart without its text: a Prisma code, an SQLSTATE, a GraphQL code, or its class. */
function errorCode(error: unknown): string {
  let current = error as
    | { code?: unknown; extensions?: { code?: unknown }; originalError?: unknown; cause?: unknown; name?: unknown }
    | undefined;
  let name: string | undefined;
  for (let depth = 0; depth < 10 && current; depth++) {
    if (typeof current.code === 'string') return current.code;
    if (typeof current.extensions?.code === 'string' && current.extensions.code !== 'INTERNAL_SERVER_ERROR') return current.extensions.code;
    if (typeof current.name === 'string' && current.name !== 'GraphQLError') name = current.name;
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return name ?? 'unknown';
}

/**
 * Errors reach the log by code, path and request id only. Their messages are left out: a
 * database error quotes the row it refused (names, emails), and a request's values are its
 * caller's business. Yoga logs each error it masks through `logging`; `plugin` marks the errors
 * of each result with their request's id and operation first, before Yoga masks them.
 */
export function errorLog(logger: Logger): { logging: YogaLogger; plugin: Plugin<{ requestId?: string }> } {
  const tags = new WeakMap<object, Tag>();
  const describe = (error: object) => {
    const { path } = error as Partial<GraphQLError>;
    return { ...tags.get(error), code: errorCode(error), ...(path ? { path: path.join('.') } : {}) };
  };
  const write =
    (level: 'warn' | 'error') =>
    (...args: unknown[]) => {
      for (const arg of args) if (typeof arg === 'object' && arg !== null) logger[level](describe(arg), 'unexpected error');
    };
  return {
    logging: { debug: () => {}, info: () => {}, warn: write('warn'), error: write('error') },
    plugin: {
      onExecute({ args }) {
        return {
          onExecuteDone({ result }) {
            if (!('errors' in result) || !result.errors?.length) return;
            const operationName = getOperationAST(args.document, args.operationName)?.name?.value;
            const tag = { requestId: args.contextValue.requestId ?? 'unknown', ...(operationName ? { operationName } : {}) };
            for (const error of result.errors) tags.set(error, tag);
          },
        };
      },
    },
  };
}
