import { GraphQLError } from 'graphql';

/**
 * A request refused before it runs: HTTP 400 whatever the Accept header (`spec: false` keeps
 * Yoga from answering 200 to application/json clients), with a code a client can act on.
 */
export function refusal(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400, spec: false } } });
}
