import { type DocumentNode, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refusal } from './refusal.ts';

/**
 * Variables that do not fit their types are refused by the executor without a code and with
 * "Did you mean …?" hints (graphql-js adds them whatever the options): this adds the code and
 * hides the hints, as Armor does for the document.
 */
function variableErrors(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result }) {
          if (!('errors' in result) || 'data' in result || !result.errors) return;
          for (const error of result.errors) {
            error.message = error.message.replace(/Did you mean .+\?/g, '[Suggestion hidden]');
            const extensions = error.extensions as Record<string, unknown>;
            extensions.code ??= 'BAD_USER_INPUT';
            extensions.http ??= { status: 400 };
          }
        },
      };
    },
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Refuses a body or query string that is not valid UTF-8, where the parsers would quietly turn
 * the bad bytes into U+FFFD and store a mangled name or email. The body is read once, already
 * capped by maxRequestBodySize (Yoga wraps this parser in its size limit).
 */
function strictUtf8(): Plugin {
  const invalid = () => refusal('BAD_REQUEST', 'The request is not valid UTF-8');
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      try {
        decodeURIComponent(new URL(request.url).search);
      } catch {
        throw invalid();
      }
      const contentType = request.headers.get('content-type') ?? '';
      if (!requestParser || !request.body || contentType.startsWith('multipart/')) return;
      const parse = requestParser;
      setRequestParser(async (received) => {
        const bytes = await received.arrayBuffer();
        try {
          UTF8.decode(bytes);
        } catch {
          throw invalid();
        }
        return parse(new fetchAPI.Request(received.url, { method: received.method, headers: received.headers, body: bytes }));
      });
    },
  };
}

/** PostgreSQL stores neither U+0000 nor half a surrogate pair: text with them is refused up front. */
function isStorableText(text: string): boolean {
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

function hasUnstorableText(variables: unknown, document: DocumentNode): boolean {
  for (const text of stringsIn(variables)) if (!isStorableText(text)) return true;
  let found = false;
  visit(document, {
    StringValue(node) {
      if (!isStorableText(node.value)) found = true;
    },
  });
  return found;
}

function storableText(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (hasUnstorableText(args.variableValues, args.document)) {
        setResultAndStopExecution({
          errors: [refusal('BAD_USER_INPUT', 'Text may not contain the character U+0000 or unpaired surrogates (\\uD800-\\uDFFF)')],
        });
      }
    },
  };
}

/** Refusals of requests no parser or database should see: bad UTF-8, unstorable text, mistyped variables. */
export function requestInputPlugins(): Plugin[] {
  return [strictUtf8(), variableErrors(), storableText()];
}
