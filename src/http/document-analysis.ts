import { type DocumentNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** What the depth, alias and directive limits measure of one operation. */
export interface OperationShape {
  /** Fields on the longest path of the response; fragments, named or inline, add none. */
  depth: number;
  /** Aliased fields but __typename, each fragment counted once per spread of it, as in the expanded operation. */
  aliases: number;
  /** Directives, each fragment counted once per spread of it, as in the expanded operation. */
  directives: number;
}

/**
 * Counts through fragments stop growing here rather than losing precision: spreads multiply, so a
 * document of a few thousand tokens can stand for an operation of more fields than a double holds.
 */
export const SATURATED = Number.MAX_SAFE_INTEGER;

export const saturatingAdd = (a: number, b: number) => Math.min(a + b, SATURATED);
export const saturatingMultiply = (a: number, b: number) => (a === 0 || b === 0 ? 0 : Math.min(a * b, SATURATED));

/** A count for a refusal's message. */
export const countText = (count: number) => (count >= SATURATED ? `more than ${SATURATED}` : String(count));

const NOTHING: OperationShape = { depth: 0, aliases: 0, directives: 0 };

/**
 * The shape of every operation of `document`, in time linear in the document's size: each
 * fragment is measured once and its shape reused at every spread, where expanding the spreads
 * could take time exponential in the nesting. A fragment spread inside itself (which validation
 * refuses) counts as nothing.
 */
export function operationShapes(document: DocumentNode): Map<OperationDefinitionNode, OperationShape> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentShapes = new Map<string, OperationShape>();

  const fragmentShape = (name: string): OperationShape => {
    const known = fragmentShapes.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return NOTHING;
    fragmentShapes.set(name, NOTHING);
    const inner = selectionSetShape(fragment.selectionSet);
    const shape = { ...inner, directives: saturatingAdd(inner.directives, fragment.directives?.length ?? 0) };
    fragmentShapes.set(name, shape);
    return shape;
  };

  const selectionSetShape = (selectionSet: SelectionSetNode): OperationShape => {
    let depth = 0;
    let aliases = 0;
    let directives = 0;
    for (const selection of selectionSet.selections) {
      directives = saturatingAdd(directives, selection.directives?.length ?? 0);
      let inner: OperationShape;
      if (selection.kind === Kind.FIELD) {
        // An aliased __typename is answered without a resolver: clients and gateways tag objects with it freely.
        if (selection.alias && selection.name.value !== '__typename') aliases = saturatingAdd(aliases, 1);
        inner = selection.selectionSet ? selectionSetShape(selection.selectionSet) : NOTHING;
        // Introspection nests deep by nature; graphql-js's own rule holds its depth.
        if (selection.name.value !== '__schema') depth = Math.max(depth, 1 + inner.depth);
      } else {
        inner = selection.kind === Kind.INLINE_FRAGMENT ? selectionSetShape(selection.selectionSet) : fragmentShape(selection.name.value);
        depth = Math.max(depth, inner.depth);
      }
      aliases = saturatingAdd(aliases, inner.aliases);
      directives = saturatingAdd(directives, inner.directives);
    }
    return { depth, aliases, directives };
  };

  const shapes = new Map<OperationDefinitionNode, OperationShape>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const shape = selectionSetShape(definition.selectionSet);
    shapes.set(definition, { ...shape, directives: saturatingAdd(shape.directives, definition.directives?.length ?? 0) });
  }
  return shapes;
}
