import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import { PAGE_SIZE } from '../config/limits.ts';
import { graphqlTypeOfId } from '../domain/ids.ts';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import type { Context } from '../resolvers/context.ts';

/** The schema builder: its plugins and their options, nothing else. Each type's file adds its fields. */
export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    BigInt: { Input: bigint; Output: bigint | number | string };
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
}>({
  plugins: [DirectivesPlugin, RelayPlugin, PrismaPlugin, FederationPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    defaultConnectionSize: PAGE_SIZE.default,
    maxConnectionSize: PAGE_SIZE.max,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // Prefixed ids name their type, so they are the global ids as they are.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({ typename: graphqlTypeOfId(globalID) ?? '', id: globalID }),
    nodeTypeOptions: {
      description: 'An object with a prefixed id (`cus_`, `sub_`, `inv_`...) that `node(id)` can fetch.',
      resolveType: (value: unknown) => graphqlTypeOfId((value as { id: string }).id) ?? null,
    },
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    pageInfoTypeOptions: { shareable: true, description: 'Where a page sits in its list, and the cursors to move on.' },
    idFieldOptions: { description: 'Prefixed id (`cus_…`, `inv_…`…); also the global id.' },
    defaultConnectionTypeOptions: { description: 'A page of a list, newest first unless ordered otherwise.' },
    defaultEdgeTypeOptions: { description: 'One item of a page, with the cursor to page on from it.' },
    edgesFieldOptions: { description: 'The items of this page, in list order.' },
    pageInfoFieldOptions: { description: 'Whether there is more before or after this page.' },
    cursorFieldOptions: { description: 'Opaque cursor of this item, for after/before.' },
    nodeFieldOptions: { description: 'The item.' },
    hasNextPageFieldOptions: { description: 'True when items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'True when items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of the page; null for an empty page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of the page; null for an empty page.' },
    firstArgOptions: { description: `Page forward: this many items (default ${PAGE_SIZE.default}, at most ${PAGE_SIZE.max}).` },
    afterArgOptions: { description: 'Page forward from the item with this cursor.' },
    lastArgOptions: { description: `Page backward: this many items (at most ${PAGE_SIZE.max}).` },
    beforeArgOptions: { description: 'Page backward from the item with this cursor.' },
  },
});

export type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
