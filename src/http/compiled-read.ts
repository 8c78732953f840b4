import type { Plugin } from 'graphql-yoga';
import { compileRead } from '../data/compiled-read/compiler.ts';
import type { Database } from '../data/database.ts';
import type { Context } from '../resolvers/context.ts';

/**
 * Answers a query with the compiled read (src/data/compiled-read): one statement that PostgreSQL
 * answers with the response's JSON. Any other operation, one the compiler leaves to the
 * resolvers, or a failed statement goes to the executor set before this plugin.
 */
export function compiledRead(db: Pick<Database, 'read'>): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const compiled = compileRead(args.schema, args.document, args.operationName, args.variableValues ?? {}, args.contextValue.caller);
      if (!compiled) return;
      setExecuteFn(async (executeArgs) => {
        let body: string;
        try {
          [{ body }] = await db.read<{ body: string }>(compiled.sql, compiled.params, { prepared: !compiled.planWithValues });
        } catch {
          return executeFn(executeArgs);
        }
        return { data: JSON.parse(body) };
      });
    },
  };
}
