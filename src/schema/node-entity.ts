import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type { IdType } from '../ids.ts';

type LoadableType = Exclude<IdType, 'Account' | 'ApiKey'>;

/**
 * Makes a type a federation entity keyed by id, resolved through the same scoped DataLoader
 * as `node(id)`: any number of representations cost one statement, another tenant's id is null.
 */
export function keyedById(ref: Parameters<typeof builder.asEntity>[0], type: LoadableType) {
  builder.asEntity(ref, {
    key: builder.selection<{ id: string }>('id'),
    resolveReference: ({ id }, ctx: Context) => ctx.loaders.nodes[type].load(id) as never,
  });
}
