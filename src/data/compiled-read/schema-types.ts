import { type FieldNode, type GraphQLField, type GraphQLObjectType, type GraphQLOutputType, getNamedType, isObjectType } from 'graphql';
import { NotCompiled } from './prisma-sql.ts';

// What the compiled read reads of the schema's fields and types: the compiler (./compiler.ts) and
// the keying of its statements (./keying.ts).

export type Field = GraphQLField<unknown, unknown>;

/** A field's response key: its alias, or its name. */
export const keyOf = (field: FieldNode) => field.alias?.value ?? field.name.value;

/** The object type a field's type names (through lists and non-null), or NotCompiled. */
export function objectTypeOf(type: GraphQLOutputType): GraphQLObjectType {
  const named = getNamedType(type);
  if (!isObjectType(named)) throw new NotCompiled();
  return named;
}

/** The type of the nodes of a connection field. */
export function connectionNodeType(definition: Field): GraphQLObjectType {
  const edges = objectTypeOf(definition.type).getFields().edges;
  if (!edges) throw new NotCompiled();
  return objectTypeOf(objectTypeOf(edges.type).getFields().node.type);
}
