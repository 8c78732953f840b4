import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ExecutionResult } from 'graphql';
import { type GraphQLParams, isAsyncIterable, processRegularResult } from 'graphql-yoga';
import type { App } from './app.ts';
import { DATA_TEXT } from './compiled-read.ts';

const JSON_MEDIA_TYPES = new Set(['application/json', 'application/graphql-response+json']);

/**
 * The media type Yoga answers a result with for an Accept header, learned by asking Yoga itself
 * once per header (with a document that does not parse, so nothing runs); undefined for what is
 * not one of the two JSON types (an event stream, multipart, a 406).
 */
function answeredMediaTypes(app: App): (accept: string) => Promise<string | undefined> | string | undefined {
  const learned = new Map<string, Promise<string | undefined> | string | undefined>();
  return (accept) => {
    if (learned.has(accept)) return learned.get(accept);
    // Clients send a handful of distinct headers; a flood of made-up ones must not grow the map.
    if (learned.size >= 100) learned.clear();
    const asking = (async () => {
      const response = await app.fetch(
        app.observation.unobserved(
          new app.fetchAPI.Request(`http://localhost${app.graphqlEndpoint}`, {
            method: 'POST',
            headers: { accept, 'content-type': 'application/json' },
            body: '{"query":"{"}',
          }),
        ),
      );
      await response.arrayBuffer();
      const type = response.headers.get('content-type')?.split(';')[0];
      // A 406 (src/http/not-acceptable.ts) is JSON too, but says no answer fits that header.
      const answered = response.status !== 406 && type && JSON_MEDIA_TYPES.has(type) ? type : undefined;
      learned.set(accept, answered);
      return answered;
    })();
    learned.set(accept, asking);
    return asking;
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The body as GraphQL parameters, or undefined where it is not one JSON object (Yoga reads or refuses it). */
function paramsOf(body: Buffer): GraphQLParams | undefined {
  if (!isUtf8(body)) return undefined;
  try {
    const params: unknown = JSON.parse(body.toString());
    return params && typeof params === 'object' && !Array.isArray(params) ? (params as GraphQLParams) : undefined;
  } catch {
    return undefined;
  }
}

// One signal per connection, aborted when it closes: a request's client is gone when its
// connection is (HTTP/1.1 answers one request at a time on it). An AbortController per request
// was 4 % of A's CPU.
const connectionClosed = new WeakMap<Socket, AbortSignal>();

function clientGone(socket: Socket): AbortSignal {
  let signal = connectionClosed.get(socket);
  if (!signal) {
    const controller = new AbortController();
    if (socket.destroyed) controller.abort();
    else socket.once('close', () => controller.abort());
    signal = controller.signal;
    connectionClosed.set(socket, signal);
  }
  return signal;
}

/** The Request the context and plugins read: the headers, and as its signal the client going away. */
function fetchRequest(app: App, req: IncomingMessage): Request {
  return new app.fetchAPI.Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, {
    method: 'POST',
    headers: req.headers as Record<string, string>,
    signal: clientGone(req.socket),
  });
}

/**
 * Runs the parameters through Yoga's own operation pipeline (`getResultForParams`: its parameter
 * checks, every plugin, the context with its API key check, the executor) and writes the result
 * as Yoga renders it. False, having written nothing, where Yoga must answer itself: parameters
 * its checks refuse (before anything runs), or a streamed result (Yoga may answer it as a stream).
 */
async function answer(app: App, req: IncomingMessage, res: ServerResponse, params: GraphQLParams, mediaType: string): Promise<boolean> {
  const request = fetchRequest(app, req);
  // Observed as Yoga observes the requests it answers (src/http/request-observation.ts); one
  // left to Yoga below is observed there again, from the start.
  const observed = app.observation.begin(request);
  let result: ExecutionResult | AsyncIterable<ExecutionResult>;
  try {
    result = (await observed.run(() => app.getResultForParams({ params, request }, { req, res }))) as typeof result;
  } catch {
    return false;
  }
  if (isAsyncIterable(result)) {
    await result[Symbol.asyncIterator]().return?.();
    return false;
  }
  const requestId = observed.record.id;
  if (!result.errors?.length && !result.extensions?.http) {
    // Yoga renders every such result with the same status and headers: learned from it once per media type.
    const { status, headers } = successfulAnswer(app, mediaType);
    // A compiled read's data goes out as PostgreSQL wrote it: as JSON.stringify would, but for a
    // JSON scalar's spacing, which is jsonb's (src/data/compiled-read/compiler.ts).
    const text = (result as { [DATA_TEXT]?: string })[DATA_TEXT];
    const body = text !== undefined && result.extensions === undefined ? `{"data":${text}}` : JSON.stringify(result);
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), 'x-request-id': requestId }).end(body);
    observed.answered(status);
    return true;
  }
  const response = processRegularResult(result, app.fetchAPI, mediaType);
  const body = await response.text();
  res.writeHead(response.status, { ...Object.fromEntries(response.headers), 'x-request-id': requestId }).end(body);
  observed.answered(response.status);
  return true;
}

const successfulAnswers = new Map<string, { status: number; headers: Record<string, string> }>();

function successfulAnswer(app: App, mediaType: string) {
  let answer = successfulAnswers.get(mediaType);
  if (!answer) {
    const response = processRegularResult({ data: {} }, app.fetchAPI, mediaType);
    const headers = [...response.headers].filter(([name]) => name.toLowerCase() !== 'content-length');
    answer = { status: response.status, headers: Object.fromEntries(headers) };
    successfulAnswers.set(mediaType, answer);
  }
  return answer;
}

/**
 * Yoga turns every request into a Fetch Request and Response and runs its hooks through chains of
 * promises: for `{ __typename }` that was most of the server's CPU (BENCHMARKS.md, item 19). The
 * commonest request, JSON POSTed by a server (no Origin header, so no CORS), goes straight to
 * Yoga's operation pipeline (`answer`). Everything else goes on to Yoga whole, with the body
 * already read when it was.
 */
export function operationFastPath(app: App) {
  const { maxBodyBytes } = app.limits;
  const mediaTypeFor = answeredMediaTypes(app);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { headers } = req;
    const length = headers['content-length'];
    const eligible =
      req.method === 'POST' &&
      req.url === app.graphqlEndpoint &&
      headers.origin === undefined &&
      /^application\/json(;\s*charset=utf-8)?$/i.test(headers['content-type'] ?? '') &&
      length !== undefined &&
      /^[1-9]\d*$/.test(length) &&
      Number(length) <= maxBodyBytes;
    if (!eligible) return app(req, res);

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return; // The client went away while sending.
    }
    const params = paramsOf(body);
    const known = params && mediaTypeFor(headers.accept ?? '*/*');
    const mediaType = known instanceof Promise ? await known : known;
    if (params && mediaType && (await answer(app, req, res, params, mediaType))) return;
    // Yoga's Node adapter reads a body found here instead of the stream, which is spent.
    Object.assign(req, { body });
    return app(req, res);
  };
}
