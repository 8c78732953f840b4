import type { GraphQLResolveInfo } from 'graphql';
import { typeOfId } from '../domain/ids.ts';
import type { Context } from '../resolvers/context.ts';
import { badArgument, MAX_PAGE_SIZE } from '../resolvers/pagination.ts';
import { builder } from './builder.ts';
import { startRelationReads } from './customer.ts';

function loadNode(id: string, ctx: Context) {
  const type = typeOfId(id);
  if (!type || type === 'Account' || type === 'ApiKey') return null;
  return ctx.loaders.nodes[type].load(id);
}

/** The objects with these ids, and for the customers among them what the query selects under them, in one round trip. */
function loadNodes(ids: string[], ctx: Context, info: GraphQLResolveInfo) {
  const nodes = ids.map((id) => loadNode(id, ctx));
  startRelationReads(
    ids.filter((id) => typeOfId(id) === 'Customer'),
    ctx,
    info,
  );
  return nodes;
}

builder.queryFields((t) => ({
  node: t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: "Any object by its prefixed id; null when the caller's account and environment have no such object.",
    args: { id: t.arg.id({ required: true, description: 'A prefixed id: `cus_…`, `sub_…`, `inv_…`…' }) },
    resolve: (_root, args, ctx, info) => loadNodes([String(args.id)], ctx, info)[0] as never,
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: `Objects by their ids, in the order asked; null for each id the caller cannot see. At most ${MAX_PAGE_SIZE} ids.`,
    args: { ids: t.arg.idList({ required: true, description: `Prefixed ids, at most ${MAX_PAGE_SIZE}.` }) },
    resolve: (_root, args, ctx, info) => {
      if (args.ids.length > MAX_PAGE_SIZE) throw badArgument('ids', `at most ${MAX_PAGE_SIZE} ids, got ${args.ids.length}`);
      return Promise.all(loadNodes(args.ids.map(String), ctx, info)) as never;
    },
  }),
}));
