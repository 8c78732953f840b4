import { type ExecutionResult, GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Database } from '../data/database.ts';
import { createLoaders } from '../data/loaders.ts';
import type { Context } from '../resolvers/context.ts';

/** An error the operation did not mean to answer (a GraphQLError is one it did): what a replica gone or behind would cause. */
const failedUnexpectedly = (result: unknown) =>
  Boolean((result as ExecutionResult).errors?.some((error) => error.originalError && !(error.originalError instanceof GraphQLError)));

/**
 * Puts read replicas to work (src/data/replicas.ts says where each key reads). A query reads where
 * the routing sends its key, all of it: the compiled read, plugin-prisma, the loaders. A query the
 * replica fails is answered again from the primary, so a replica that stops costs time, never an
 * error. A mutation runs on the primary, its payload read there too, and is recorded for its key.
 * A subscription stays on the primary, whose notifications announce what it reads. Goes after the
 * compiled read, whose executor it wraps.
 */
export function replicaReads(replicas: NonNullable<Database['replicas']>): Plugin<Context> {
  return {
    async onExecute({ args, executeFn, setExecuteFn }) {
      const ctx = args.contextValue;
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      if (operation === 'mutation') {
        setExecuteFn((executeArgs) => replicas.writing(ctx.caller.keyId, async () => executeFn(executeArgs)));
        return;
      }
      if (operation !== 'query') return;
      const reader = await replicas.forReading(ctx.caller.keyId);
      if (reader === replicas.primary) return;
      const primary = { prisma: ctx.prisma, read: ctx.read, loaders: ctx.loaders };
      Object.assign(ctx, { prisma: reader.prisma, read: reader.read, loaders: createLoaders(reader.prisma, ctx.caller) });
      setExecuteFn(async (executeArgs) => {
        const result = await executeFn(executeArgs);
        if (!failedUnexpectedly(result)) return result;
        replicas.failed(reader);
        Object.assign(ctx, primary);
        return executeFn(executeArgs);
      });
    },
  };
}
