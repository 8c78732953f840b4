import { NEWEST_FIRST } from '../data/ordering.ts';
import { CHILD_CURSOR, type ConnectionArgs } from '../data/pagination.ts';
import { scoped, type Tenant } from '../data/tenant.ts';
import type { SchemaTypes } from './builder.ts';

/**
 * A customer's list of `model` rows as a `t.relatedConnection`: newest first, its cursors naming a
 * row by (customerId, createdAt, id), counted when asked. A page after a cursor Prisma reads in a
 * statement of its own, apart from the customer's: that statement is scoped to the caller too.
 */
export function newestFirstPages(model: string) {
  return {
    cursor: CHILD_CURSOR,
    totalCount: true,
    query: (args: ConnectionArgs, ctx: { caller: Tenant }) => ({
      ...(args.after != null || args.before != null ? { where: scoped(model, ctx.caller) } : {}),
      orderBy: NEWEST_FIRST,
    }),
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
