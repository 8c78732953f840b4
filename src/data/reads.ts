import type { PrismaClient } from '../generated/prisma/client.ts';
import { type CompiledExtensions, compiledReference, compiledRoot, type Tally } from './compiled-read/declare.ts';
import { delegateOf, type Loaders, type NodeModel } from './loaders.ts';
import { scoped, type Tenant } from './tenant.ts';

/** What the root reads need of a request's context. */
export interface ReadContext {
  prisma: PrismaClient;
  caller: Tenant;
  loaders: Loaders;
}

type Args = Record<string, unknown>;

/** Relations planned under a root read come in its one statement (LATERAL joins), not one statement each. */
const JOINED = { relationLoadStrategy: 'join' } as const;
type Where = (args: Args) => Record<string, unknown>;

/**
 * The root fields' reads, each declared once: its resolver (Prisma, with plugin-prisma's planned
 * `query` spread in, scoped to the caller) and the same declaration in the field's extensions for
 * the compiled read. Spread into `t.prismaField` / `t.prismaConnection` / `t.field`.
 */

/** The caller's one row of `model` that `where` finds, or null. */
export function findOne(model: string, where: Where): { extensions: CompiledExtensions; resolve: never } {
  return {
    extensions: compiledRoot({ kind: 'one', model, where }),
    resolve: ((query: object, _root: unknown, args: Args, ctx: ReadContext) =>
      delegateOf(ctx.prisma, model).findFirst({ ...query, ...JOINED, where: scoped(model, ctx.caller, where(args)) })) as never,
  };
}

/**
 * A connection over the caller's rows of `model` that `where` finds, in `orderBy`. Its totalCount
 * is the tally's sum where `tally` gives one for the arguments, else a count of the list.
 */
export function findPage<K extends string>(
  model: string,
  options: {
    cursor: K;
    where: Where;
    orderBy: (args: Args) => readonly Record<string, unknown>[];
    tally?: (args: Args) => Tally | undefined;
  },
): { cursor: K; extensions: CompiledExtensions; resolve: never; totalCount: never } {
  const { cursor, where, orderBy, tally } = options;
  return {
    cursor,
    extensions: compiledRoot({ kind: 'page', model, cursor, where, orderBy, tally }),
    resolve: ((query: { cursor?: Record<string, unknown> }, _root: unknown, args: Args, ctx: ReadContext) =>
      delegateOf(ctx.prisma, model).findMany({
        ...query,
        ...JOINED,
        where: scoped(model, ctx.caller, where(args)),
        orderBy: orderBy(args),
        // A cursor finds its row among the caller's only.
        ...(query.cursor ? { cursor: scoped(model, ctx.caller, query.cursor) } : {}),
      })) as never,
    totalCount: ((_parent: unknown, args: Args, ctx: ReadContext) => countOf(ctx, model, where(args), tally?.(args))) as never,
  };
}

async function countOf(ctx: ReadContext, model: string, where: Record<string, unknown>, tally: Tally | undefined): Promise<number> {
  if (!tally) return delegateOf(ctx.prisma, model).count({ where: scoped(model, ctx.caller, where) });
  const { _sum } = await delegateOf(ctx.prisma, tally.model).aggregate({
    where: scoped(tally.model, ctx.caller, tally.where),
    _sum: { [tally.sum]: true },
  });
  return Number(_sum[tally.sum] ?? 0);
}

/** Objects of any Node type by their prefixed ids, through the loaders; null for an id the caller cannot see. */
export function findNodes(ids: (args: Args) => unknown[], list: boolean): { extensions: CompiledExtensions; resolve: never } {
  return {
    extensions: compiledRoot({ kind: 'nodes', ids, list }),
    resolve: ((_root: unknown, args: Args, ctx: ReadContext) => {
      const nodes = ids(args).map((id) => ctx.loaders.node(String(id)));
      return list ? Promise.all(nodes) : nodes[0];
    }) as never,
  };
}

/**
 * The object of `model` whose id a column of the parent holds, among the caller's only: a link
 * such as a referral's referred customer is not trusted to stay within the tenant.
 */
export function findReference(model: NodeModel, column: string): { extensions: CompiledExtensions; resolve: never } {
  return {
    extensions: compiledReference(model, column),
    resolve: ((parent: Record<string, unknown>, _args: Args, ctx: ReadContext) => {
      const id = parent[column];
      return typeof id === 'string' ? ctx.loaders.byId(model).load(id) : null;
    }) as never,
  };
}
