import { randomUUID } from 'node:crypto';
import { type GraphQLError, getOperationAST } from 'graphql';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { AnswerListener } from './request-observation.ts';

export type { Logger };

/** JSON lines on standard output (or `destination`); LOG_LEVEL (default info) sets the threshold. */
export function createLogger(destination?: DestinationStream): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? 'info', base: null, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A request's id: its `X-Request-Id` when that is a plain token (nothing a log reader could mistake for markup or a new line), else a new one. */
export function requestIdOf(header: string | null): string {
  return header && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * One line per GraphQL request once it is answered: its id, operation, status, duration, the
 * codes of its errors and its SQL statements. Nothing of what it sent: no variables, no input
 * values, no headers (the API key is one).
 */
export function requestLog(logger: Logger): AnswerListener {
  return (record, status, durationMs) => {
    if (!logger.isLevelEnabled('info')) return;
    logger.info(
      {
        requestId: record.id,
        method: record.method,
        ...(record.operationName ? { operationName: record.operationName } : {}),
        ...(record.operationType ? { operationType: record.operationType } : {}),
        status,
        durationMs: Math.round(durationMs * 100) / 100,
        ...(record.errorCodes.length ? { errorCodes: record.errorCodes } : {}),
        statements: record.statements,
      },
      'request',
    );
  };
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
export function errorLog(
  logger: Logger,
  requestIdFor: (request: Request | undefined) => string | undefined,
): { logging: YogaLogger; plugin: Plugin } {
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
            const requestId = requestIdFor(args.contextValue.request) ?? requestIdOf(null);
            const tag = { requestId, ...(operationName ? { operationName } : {}) };
            for (const error of result.errors) tags.set(error, tag);
          },
        };
      },
    },
  };
}
