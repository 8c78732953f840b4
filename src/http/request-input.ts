import { isUtf8 } from 'node:buffer';
import { type DocumentNode, GraphQLError, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { apiError } from '../domain/errors.ts';

/**
 * Variables that do not fit their types are refused by the executor without a code and with
 * "Did you mean …?" hints (graphql-js adds them whatever the options): this adds the code and
 * hides the hints, as Armor does for the document.
 */
function variableErrors(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || 'data' in result || !result.errors) return;
          // A new error for each: the JIT executor hands out errors whose message is read-only.
          const errors = result.errors.map(
            (error) =>
              new GraphQLError(error.message.replace(/Did you mean .+\?/g, '[Suggestion hidden]'), {
                nodes: error.nodes,
                source: error.source,
                positions: error.positions,
                path: error.path,
                originalError: error.originalError,
                extensions: { ...apiError('BAD_USER_INPUT', error.message, { spec: true }).extensions, ...error.extensions },
              }),
          );
          setResult({ ...result, errors });
        },
      };
    },
  };
}

const invalidUtf8 = () => apiError('BAD_REQUEST', 'The request is not valid UTF-8');
// Yoga's own refusals, word for word, from the body limit this replaces.
const tooLarge = () =>
  new GraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });
const invalidContentLength = () =>
  new GraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });

/** The whole body, or a 413 as soon as it grows past `maxBytes`. */
async function readBody(request: Request, maxBytes: number): Promise<ArrayBuffer | Uint8Array<ArrayBuffer>> {
  // The HTTP server hands over exactly Content-Length bytes, and that was checked against the limit.
  if (request.headers.has('content-length')) return request.arrayBuffer();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    length += chunk.byteLength;
    if (length > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads the body once, refusing one longer than `maxBodyBytes` with 413, and one that is not
 * valid UTF-8 (as is a query string), where the parsers would quietly turn the bad bytes into
 * U+FFFD and store a mangled name or email. It stands in for Yoga's maxRequestBodySize, which
 * pipes every body through a TransformStream (7 % of the CPU of `{ __typename }` in the bench).
 */
function boundedUtf8Body(maxBodyBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      // Only a percent escape can spell invalid UTF-8 in a URL.
      if (request.url.includes('%')) {
        try {
          decodeURIComponent(new URL(request.url).search);
        } catch {
          throw invalidUtf8();
        }
      }
      const declaredLength = request.headers.get('content-length');
      if (declaredLength !== null && !/^\d+$/.test(declaredLength)) throw invalidContentLength();
      if (Number(declaredLength) > maxBodyBytes) throw tooLarge();
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      const isText = !(request.headers.get('content-type') ?? '').startsWith('multipart/');
      setRequestParser(async (received) => {
        const bytes = await readBody(received, maxBodyBytes);
        if (isText && !isUtf8(bytes)) throw invalidUtf8();
        return parse(new fetchAPI.Request(received.url, { method: received.method, headers: received.headers, body: bytes }));
      });
    },
  };
}

/** PostgreSQL stores neither U+0000 nor half a surrogate pair: text with them is refused up front. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** Every string of a (possibly deeply nested) value, keys included; iterative, so depth cannot overflow the stack. */
function* stringsIn(value: unknown): Generator<string> {
  const pending = [value];
  while (pending.length) {
    const next = pending.pop();
    if (typeof next === 'string') yield next;
    else if (Array.isArray(next)) for (const item of next) pending.push(item);
    else if (next && typeof next === 'object') {
      for (const [key, inner] of Object.entries(next)) pending.push(key, inner);
    }
  }
}

// Yoga's parse cache hands out one document per query text, so each is visited once.
const documentsWithUnstorableText = new WeakMap<DocumentNode, boolean>();

function documentHasUnstorableText(document: DocumentNode): boolean {
  let found = documentsWithUnstorableText.get(document);
  if (found !== undefined) return found;
  found = false;
  visit(document, {
    StringValue(node) {
      if (!isStorableText(node.value)) found = true;
    },
  });
  documentsWithUnstorableText.set(document, found);
  return found;
}

function hasUnstorableText(variables: unknown, document: DocumentNode): boolean {
  for (const text of stringsIn(variables)) if (!isStorableText(text)) return true;
  return documentHasUnstorableText(document);
}

function storableText(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (hasUnstorableText(args.variableValues, args.document)) {
        setResultAndStopExecution({
          errors: [apiError('BAD_USER_INPUT', 'Text may not contain the character U+0000 or unpaired surrogates (\\uD800-\\uDFFF)')],
        });
      }
    },
  };
}

/** Refusals of requests no parser or database should see: too large, bad UTF-8, unstorable text, mistyped variables. */
export function requestInputPlugins(maxBodyBytes: number): Plugin[] {
  return [boundedUtf8Body(maxBodyBytes), variableErrors(), storableText()];
}
