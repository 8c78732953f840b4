import type { Plugin } from 'graphql-yoga';
import { ERROR_CATALOGUE } from '../domain/errors.ts';

const BODY = JSON.stringify({
  errors: [
    {
      message:
        'No answer fits the Accept header: ask for application/graphql-response+json or application/json, and for a subscription text/event-stream (or subscribe over WebSocket with graphql-ws on /graphql)',
      extensions: { code: 'NOT_ACCEPTABLE' },
    },
  ],
});

/**
 * Yoga answers 406 with an empty body when no answer fits the Accept header (a subscription
 * asking for JSON, a query asking for HTML): the client gets a code and what to ask for instead.
 */
export function notAcceptable(): Plugin {
  return {
    onResponse({ response, setResponse, fetchAPI }) {
      if (response.status !== 406) return;
      setResponse(
        new fetchAPI.Response(BODY, { status: ERROR_CATALOGUE.NOT_ACCEPTABLE.status, headers: { 'content-type': 'application/json' } }),
      );
    },
  };
}
