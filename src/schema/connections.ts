import { NEWEST_FIRST } from '../data/ordering.ts';
import { CHILD_CURSOR } from '../data/pagination.ts';
import { scoped, type Tenant } from '../data/tenant.ts';
import type { SchemaTypes } from './builder.ts';

/**
 * A customer's list of `model` rows as a `t.relatedConnection`: newest first, its cursors naming a
 * row by (customerId, createdAt, id), counted when asked, and read among the caller's rows (where
 * Prisma reads a page after a cursor in a statement of its own, that statement binds the caller).
 */
export function newestFirstPages(model: string) {
  return {
    cursor: CHILD_CURSOR,
    totalCount: true,
    query: (_args: object, ctx: { caller: Tenant }) => ({ where: scoped(model, ctx.caller), orderBy: NEWEST_FIRST }),
  } as const;
}

/**
 * The totalCount of a connection, described: plugin-prisma counts it (a `_count` planned with
 * the page, or the connection's own totalCount) when it is selected, and only then.
 */
export const totalCountField = {
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<SchemaTypes, object>) => ({
    totalCount: t.int({
      description: 'Number of items in the whole list, counted only when selected.',
      extensions: { pothosPrismaTotalCount: true },
      resolve: (connection) => {
        const { totalCount } = connection as { totalCount: number | (() => Promise<number>) };
        return typeof totalCount === 'function' ? totalCount() : totalCount;
      },
    }),
  }),
};
