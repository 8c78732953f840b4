import type { NodeModel } from '../data/loaders.ts';
import { builder } from './builder.ts';

/**
 * Makes a type a federation entity keyed by id, read through the same scoped DataLoader as
 * `node(id)`: any number of representations cost one statement, another tenant's id is null.
 */
export function keyedById(ref: Parameters<typeof builder.asEntity>[0], model: NodeModel) {
  builder.asEntity(ref, {
    key: builder.selection<{ id: string }>('id'),
    resolveReference: ({ id }, ctx) => ctx.loaders.byId(model).load(id) as never,
  });
}
