import { GraphQLError } from 'graphql';
import { maskError as maskUnexpectedError } from 'graphql-yoga';
import { apiError } from '../domain/errors.ts';

/** Prisma's codes for "could not reach / lost / timed out waiting for the database". */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Socket errors of a database that is down or cut off. */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATE 08xxx (connection exception) and 57P0x (server shutting down, starting up). */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-4])$/;
/** pg and the Prisma adapter say so in words only. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Can't reach database server|Client has encountered a connection error|Connection closed|Unable to start a transaction in the given time/i;

/** True when the error, or any error it wraps, says the database cannot be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current; depth++) {
    const e = current as { code?: unknown; message?: unknown; originalError?: unknown; cause?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && (PRISMA_UNREACHABLE.has(code) || SOCKET_ERRORS.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
    if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) return true;
    current = e.originalError ?? e.cause;
  }
  return false;
}

export function serviceUnavailable(path?: readonly (string | number)[]): GraphQLError {
  const error = apiError('SERVICE_UNAVAILABLE', 'The database is unavailable; retry in a few seconds', { headers: { 'Retry-After': '2' } });
  return new GraphQLError(error.message, { path, extensions: error.extensions });
}

/**
 * Yoga's error masking, except that a database outage is told as what it is (503, retry) rather
 * than as an unexpected error; either way nothing of the original error reaches the client.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  if (isDatabaseUnavailable(error)) return serviceUnavailable((error as GraphQLError).path);
  return maskUnexpectedError(error, message, isDev);
}
