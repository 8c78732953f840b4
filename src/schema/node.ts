import { MAX_NODE_IDS } from '../config/limits.ts';
import { findNodes } from '../data/reads.ts';
import { badArgument } from '../domain/errors.ts';
import { builder } from './builder.ts';

builder.queryFields((t) => ({
  node: t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: "Any object by its prefixed id; null when the caller's account and environment have no such object.",
    args: { id: t.arg.id({ required: true, description: 'A prefixed id: `cus_…`, `sub_…`, `inv_…`…' }) },
    ...findNodes((args) => [String(args.id)], false),
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: `Objects by their ids, in the order asked; null for each id the caller cannot see. At most ${MAX_NODE_IDS} ids.`,
    args: { ids: t.arg.idList({ required: true, description: `Prefixed ids, at most ${MAX_NODE_IDS}.` }) },
    ...findNodes((args) => {
      const ids = (args.ids as unknown[]).map(String);
      if (ids.length > MAX_NODE_IDS) throw badArgument('ids', `at most ${MAX_NODE_IDS} ids, got ${ids.length}`);
      return ids;
    }, true),
  }),
}));
