import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { ASSUMED_LIST_SIZE } from './limits.ts';
import { DEFAULT_PAGE_SIZE } from './resolvers/pagination.ts';

/** List fields whose length is the length of one of their arguments. */
const SIZED_BY_ARGUMENT: Record<string, string> = { 'Query.nodes': 'ids', 'Query._entities': 'representations' };

type Variables = Record<string, unknown> | null | undefined;

// Yoga's parse cache hands out one document per query text, so an operation without variables,
// whose cost is fixed, is costed once.
const costsWithoutVariables = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, number>>();

/**
 * The number of objects an operation can make the server load: every object-typed field counts
 * once per parent instance, and a list multiplies everything under it by its size: the page size
 * of a connection (`first`/`last`, 10 when absent), the number of ids asked for, or an assumed
 * size for unpaged lists. It reads variables too, so `first: $n` costs what `first: 100` costs.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): number {
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName),
  );
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return 0;
  if (operation.variableDefinitions?.length) return computeCost(schema, document, operation, root, variables);
  let costs = costsWithoutVariables.get(schema);
  if (!costs) costsWithoutVariables.set(schema, (costs = new WeakMap()));
  let cost = costs.get(operation);
  if (cost === undefined) costs.set(operation, (cost = computeCost(schema, document, operation, root, undefined)));
  return cost;
}

function computeCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  root: GraphQLObjectType,
  variables: Variables,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.VARIABLE) return variables?.[node.name.value];
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.LIST) return node.values;
    return undefined;
  };
  const argument = (field: FieldNode, name: string) => {
    const node = field.arguments?.find((arg) => arg.name.value === name);
    return node ? valueOf(node.value) : undefined;
  };
  const pageSize = (field: FieldNode) => {
    const size = argument(field, 'first') ?? argument(field, 'last');
    return typeof size === 'number' && size >= 0 ? size : DEFAULT_PAGE_SIZE;
  };

  const selectionCost = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType,
    instances: number,
    connectionPageSize: number | undefined,
    visiting: Set<string>,
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || visiting.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (!isCompositeType(type)) continue;
        const inner = new Set(visiting).add(fragment.name.value);
        cost += selectionCost(fragment.selectionSet, type, instances, connectionPageSize, inner);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (isCompositeType(type)) cost += selectionCost(selection.selectionSet, type, instances, connectionPageSize, visiting);
        continue;
      }
      const definition = fieldDefinition(parentType, selection.name.value);
      if (!definition || !selection.selectionSet) continue;
      const type = getNamedType(definition.type);
      if (!isCompositeType(type)) continue;
      let size = 1;
      if (isListType(getNullableType(definition.type))) {
        const sizingArgument = SIZED_BY_ARGUMENT[`${parentType.name}.${definition.name}`];
        const sizing = sizingArgument ? argument(selection, sizingArgument) : undefined;
        size = Array.isArray(sizing) ? sizing.length : (connectionPageSize ?? ASSUMED_LIST_SIZE);
      }
      const count = instances * size;
      const isConnection = definition.args.some((arg) => arg.name === 'first' || arg.name === 'last');
      cost += count + selectionCost(selection.selectionSet, type, count, isConnection ? pageSize(selection) : undefined, visiting);
    }
    return cost;
  };

  return selectionCost(operation.selectionSet, root, 1, undefined, new Set());
}

function fieldDefinition(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(type) || isInterfaceType(type)) return type.getFields()[name];
  return undefined;
}
