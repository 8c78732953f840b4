import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type DocumentNode, type ExecutionResult, getOperationAST } from 'graphql';
import { processRegularResult } from 'graphql-yoga';
import type { App } from './app.ts';

interface QueryParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

const PARAM_NAMES = new Set(['query', 'variables', 'operationName', 'extensions']);

const isObjectOrAbsent = (value: unknown) => value == null || (typeof value === 'object' && !Array.isArray(value));

/** The body's GraphQL parameters, or undefined where Yoga would refuse the body or read it otherwise. */
function queryParams(body: Buffer): QueryParams | undefined {
  if (!isUtf8(body)) return undefined;
  let params: unknown;
  try {
    params = JSON.parse(body.toString());
  } catch {
    return undefined;
  }
  if (!params || typeof params !== 'object' || Array.isArray(params)) return undefined;
  const fields = params as Record<string, unknown>;
  for (const name in fields) if (!PARAM_NAMES.has(name) && fields[name] != null) return undefined;
  const { query, variables, operationName, extensions } = fields;
  if (typeof query !== 'string' || !isObjectOrAbsent(variables) || !isObjectOrAbsent(extensions)) return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  return fields as unknown as QueryParams;
}

const JSON_MEDIA_TYPES = ['application/graphql-response+json', 'application/json'];
const answeredMediaTypes = new Map<string, string | undefined>();

/**
 * The media type Yoga answers a query's result with for this Accept header: the last match, as
 * its result processors pick it, walking the header's types from the end. Undefined where Yoga
 * would answer with none of the two (an event stream, 406).
 */
function answeredMediaType(accept = '*/*'): string | undefined {
  if (answeredMediaTypes.has(accept)) return answeredMediaTypes.get(accept);
  let answered: string | undefined;
  for (const asked of accept.replace(/\s/g, '').toLowerCase().split(',').reverse()) {
    const [type, ...parameters] = asked.split(';');
    if ((parameters.find((parameter) => parameter.includes('charset=')) ?? 'charset=utf-8') !== 'charset=utf-8') continue;
    const [askedMain, askedSub] = type.split('/');
    for (const offered of JSON_MEDIA_TYPES) {
      const [main, sub] = offered.split('/');
      if ((askedMain === '*' || askedMain === main) && (askedSub === '*' || askedSub === sub)) answered = offered;
    }
  }
  // Clients send a handful of distinct headers; a flood of made-up ones must not grow the map.
  if (answeredMediaTypes.size >= 100) answeredMediaTypes.clear();
  answeredMediaTypes.set(accept, answered);
  return answered;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Runs a query through Yoga's own enveloped pipeline (parser and validation caches, every
 * plugin, the context with its API key check, the executor) and answers with Yoga's own rendering
 * of the result. False, having written nothing, for whatever Yoga must answer itself: a body or
 * an operation it reads otherwise, a mutation, or a query that fails before it runs.
 */
async function answerQuery(app: App, req: IncomingMessage, res: ServerResponse, body: Buffer, mediaType: string): Promise<boolean> {
  const params = queryParams(body);
  if (!params) return false;
  const enveloped = app.getEnveloped({ req, res, params, request: fetchRequest(app, req) });
  let document: DocumentNode;
  try {
    document = enveloped.parse(params.query);
  } catch {
    return false;
  }
  if (getOperationAST(document, params.operationName)?.operation !== 'query') return false;
  if (enveloped.validate(enveloped.schema, document).length > 0) return false;
  let result: ExecutionResult;
  try {
    const contextValue = await enveloped.contextFactory();
    const { schema } = enveloped;
    result = (await enveloped.execute({
      schema,
      document,
      contextValue,
      variableValues: params.variables,
      operationName: params.operationName,
    })) as ExecutionResult;
  } catch {
    // Nothing was written, and a query changes nothing: Yoga runs it again and answers its error.
    return false;
  }
  await writeResult(app, res, result, mediaType);
  return true;
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
 * Writes Yoga's answer to the result, as processRegularResult renders it; without building its
 * Response when the result holds nothing that changes the status or headers.
 */
async function writeResult(app: App, res: ServerResponse, result: ExecutionResult, mediaType: string): Promise<void> {
  if (!result.errors?.length && !result.extensions?.http) {
    const body = ((result as { stringify?: typeof JSON.stringify }).stringify ?? JSON.stringify)(result);
    res.writeHead(200, { 'Content-Type': `${mediaType}; charset=utf-8`, 'content-length': Buffer.byteLength(body) }).end(body);
    return;
  }
  const response = processRegularResult(result, app.fetchAPI, mediaType);
  const body = await response.text();
  res.writeHead(response.status, Object.fromEntries(response.headers)).end(body);
}

/**
 * Yoga turns every request into a Fetch Request and Response and runs its hooks through chains of
 * promises: for `{ __typename }` that was most of the server's CPU (BENCHMARKS.md, item 19). The
 * commonest request, a query POSTed as JSON by a server (no Origin header, so no CORS), is
 * answered here by `answerQuery`. Everything else goes on to Yoga, with the body already read
 * when it was, and Yoga answers it as before.
 */
export function queryFastPath(app: App) {
  const { maxBodyBytes } = app.limits;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { headers } = req;
    const length = headers['content-length'];
    const mediaType = answeredMediaType(headers.accept);
    const eligible =
      req.method === 'POST' &&
      req.url === app.graphqlEndpoint &&
      headers.origin === undefined &&
      mediaType !== undefined &&
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
    if (await answerQuery(app, req, res, body, mediaType)) return;
    // Yoga's Node adapter reads a body found here instead of the stream, which is spent.
    Object.assign(req, { body });
    return app(req, res);
  };
}
