import { type FieldNode, type GraphQLResolveInfo, isAbstractType, Kind, type SelectionSetNode } from 'graphql';

/** What look-ahead needs of a field's resolve info: its nodes in the document, and the fragments. */
export type Selection = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

/**
 * The field nodes selected right under the field of `selection`, through fragments too. With
 * `onType`, for an object of that type: fragments on other types are left out.
 */
export function selectedFieldNodes(selection: Selection, onType?: { name: string; schema: GraphQLResolveInfo['schema'] }): FieldNode[] {
  const fields: FieldNode[] = [];
  const spread = new Set<string>();
  const applies = (condition: string | undefined) => {
    if (!onType || condition === undefined || condition === onType.name) return true;
    const type = onType.schema.getType(condition);
    const object = onType.schema.getType(onType.name);
    return !!type && !!object && isAbstractType(type) && onType.schema.isSubType(type, object as never);
  };
  const collect = (selectionSet: SelectionSetNode | undefined) => {
    for (const node of selectionSet?.selections ?? []) {
      if (node.kind === Kind.FIELD) fields.push(node);
      else if (node.kind === Kind.INLINE_FRAGMENT) {
        if (applies(node.typeCondition?.name.value)) collect(node.selectionSet);
      } else if (!spread.has(node.name.value)) {
        spread.add(node.name.value);
        const fragment = selection.fragments[node.name.value];
        if (fragment && applies(fragment.typeCondition.name.value)) collect(fragment.selectionSet);
      }
    }
  };
  for (const node of selection.fieldNodes) collect(node.selectionSet);
  return fields;
}

/**
 * Whether the field being resolved selects `name` right under it. A resolver that knows what
 * comes next reads it in the same round trip.
 */
export function selects(selection: Selection, name: string): boolean {
  return selectedFieldNodes(selection).some((node) => node.name.value === name);
}
