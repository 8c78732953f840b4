import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import type { Context } from './context.ts';
import PrismaTypes, { getDatamodel } from './generated/pothos-types.ts';
import { typeOfId } from './ids.ts';

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
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // Prefixed ids name their type, so they are the global ids as they are.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({ typename: typeOfId(globalID) ?? '', id: globalID }),
    nodeTypeOptions: {
      description: 'An object with a prefixed id (`cus_`, `sub_`, `inv_`...) that `node(id)` can fetch.',
      resolveType: (value: unknown) => typeOfId((value as { id: string }).id) ?? null,
    },
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    pageInfoTypeOptions: { shareable: true },
  },
});

export type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
