import type { GraphQLResolveInfo } from 'graphql';
import type { IdType } from '../domain/ids.ts';
import type { Context } from '../resolvers/context.ts';
import { builder } from './builder.ts';

type LoadableType = Exclude<IdType, 'Account' | 'ApiKey'>;

/** Starts, with an object's own read, the reads of what the query selects under it. */
export type StartReads = (ids: string[], ctx: Context, info: GraphQLResolveInfo) => void;

/**
 * Makes a type a federation entity keyed by id, resolved through the same scoped DataLoader
 * as `node(id)`: any number of representations cost one statement, another tenant's id is null.
 */
export function keyedById(ref: Parameters<typeof builder.asEntity>[0], type: LoadableType, startReads?: StartReads) {
  builder.asEntity(ref, {
    key: builder.selection<{ id: string }>('id'),
    resolveReference: ({ id }, ctx: Context, info: GraphQLResolveInfo) => {
      const object = ctx.loaders.nodes[type].load(id);
      startReads?.([id], ctx, info);
      return object as never;
    },
  });
}
