import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { compileRead } from '../data/compiled-read/compiler.ts';
import { PAYLOAD_ID_VARIABLE, type PayloadRead, payloadPlan, WRITTEN_ID_KEY } from '../data/compiled-read/payloads.ts';
import type { Database } from '../data/database.ts';
import type { Context } from '../resolvers/context.ts';

type Compiled = NonNullable<ReturnType<typeof compileRead>>;

/**
 * Answers a query with the compiled read (src/data/compiled-read): one statement that PostgreSQL
 * answers with the response's JSON, kept as its text (DATA_TEXT). A mutation runs through the
 * resolvers, and the objects of its payload (`createCustomer { customer { … } }`) are then read
 * the same way, one statement each.
 * Any other operation, one the compiler leaves to the resolvers, or a failed statement goes to
 * the executor set before this plugin. A query reads where its context reads (a replica, maybe);
 * a payload reads `db`, the primary, which has the write. `onCompiled` is told of each statement
 * the compiler builds rather than finds.
 */
export function compiledRead(db: Pick<Database, 'read'>, onCompiled?: () => void): Plugin<Context> {
  const text = async (compiled: Compiled, read: Database['read']) => {
    const [{ body }] = await read<{ body: string }>(compiled.sql, compiled.params, { prepared: !compiled.planWithValues });
    return body;
  };
  const run = async (compiled: Compiled, read: Database['read']) => JSON.parse(await text(compiled, read)) as Record<string, unknown>;
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { schema, document, operationName, contextValue } = args;
      const variables = args.variableValues ?? {};
      const compiled = compileRead(schema, document, operationName, variables, contextValue.caller, onCompiled);
      if (compiled) {
        setExecuteFn(async (executeArgs) => {
          try {
            return resultOfText(await text(compiled, contextValue.read));
          } catch {
            return executeFn(executeArgs);
          }
        });
        return;
      }
      const payloads = payloadPlan(schema, document, operationName);
      const readFor = (read: PayloadRead, id: string) =>
        compileRead(schema, read.query, undefined, { ...variables, [PAYLOAD_ID_VARIABLE]: id }, contextValue.caller, onCompiled);
      if (!payloads?.reads.every((read) => readFor(read, ''))) return;
      setExecuteFn(async (executeArgs) => {
        const result = (await executeFn({ ...executeArgs, document: payloads.mutation })) as ExecutionResult;
        for (const read of payloads.reads) {
          const [mutationKey, objectKey] = read.path;
          const payload = result.data?.[mutationKey] as Record<string, Record<string, unknown> | null> | null | undefined;
          const written = payload?.[objectKey];
          const id = written?.[WRITTEN_ID_KEY];
          if (!payload || !written || typeof id !== 'string') continue;
          try {
            payload[objectKey] = merged(read, written, (await run(readFor(read, id)!, db.read)).node as Record<string, unknown> | null);
          } catch {
            const resolved = resolvedPayloadObject(
              (await executeFn({
                ...executeArgs,
                document: read.query,
                operationName: undefined,
                variableValues: { ...executeArgs.variableValues, [PAYLOAD_ID_VARIABLE]: id },
              })) as ExecutionResult<{ node: Record<string, unknown> | null }>,
              read,
            );
            payload[objectKey] = merged(read, written, resolved.object);
            if (resolved.errors.length) result.errors = [...(result.errors ?? []), ...resolved.errors];
          }
        }
        return result;
      });
    },
  };
}

/** Past the row, what the read found; the row's own fields as the mutation wrote them, so that no concurrent write shows through. */
function merged(read: PayloadRead, written: Record<string, unknown>, found: Record<string, unknown> | null) {
  return found && Object.fromEntries(Object.entries(found).map(([key, value]) => [key, read.rowKeys.includes(key) ? written[key] : value]));
}

/** The payload object as the resolvers read it, its errors placed where it stands in the mutation's answer. */
function resolvedPayloadObject(result: ExecutionResult<{ node: Record<string, unknown> | null }>, read: PayloadRead) {
  const errors = (result.errors ?? []).map(
    (error) =>
      new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path ? [...read.path, ...error.path.slice(1)] : undefined,
        originalError: error.originalError,
        extensions: error.extensions,
      }),
  );
  return { object: result.data?.node ?? null, errors };
}

/** On a result of the compiled read: its data as PostgreSQL wrote it, compact JSON text the HTTP server can send as it is. */
export const DATA_TEXT = Symbol('data as JSON text');

/**
 * A result whose data is parsed only when something reads it. Once read (or replaced), the object
 * may be changed, so the text no longer speaks for it. Parsing PostgreSQL's text and writing it out
 * again was a quarter of the server's CPU for a page of customers (BENCHMARKS.md, 28).
 */
function resultOfText(text: string): ExecutionResult & { readonly [DATA_TEXT]: string | undefined } {
  let unread: string | undefined = text;
  let data: ExecutionResult['data'];
  return {
    get data() {
      if (unread !== undefined) {
        data = JSON.parse(unread) as Record<string, unknown>;
        unread = undefined;
      }
      return data;
    },
    set data(value) {
      data = value;
      unread = undefined;
    },
    get [DATA_TEXT]() {
      return unread;
    },
  };
}
