import type { Plugin } from 'graphql-yoga';
import { ERROR_CATALOGUE } from '../domain/errors.ts';

const BODY = JSON.stringify({
  errors: [
    {
      message:
        'A subscription is answered as a stream: send Accept: text/event-stream, or subscribe over WebSocket (graphql-ws) on /graphql',
      extensions: { code: 'STREAM_REQUIRED' },
    },
  ],
});

/**
 * Yoga answers 406 with an empty body when no answer fits the Accept header, which only a
 * subscription sent as application/json can meet here: it gets its code and what to do instead.
 */
export function streamRequired(): Plugin {
  return {
    onResponse({ response, setResponse, fetchAPI }) {
      if (response.status !== 406) return;
      setResponse(
        new fetchAPI.Response(BODY, { status: ERROR_CATALOGUE.STREAM_REQUIRED.status, headers: { 'content-type': 'application/json' } }),
      );
    },
  };
}
