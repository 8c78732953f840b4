import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { ASSUMED_LIST_SIZE, PAGE_SIZE } from '../config/limits.ts';
import { saturatingAdd, saturatingMultiply } from './document-analysis.ts';

/** List fields whose length is the length of one of their arguments. */
const SIZED_BY_ARGUMENT: Record<string, string> = { 'Query.nodes': 'ids', 'Query._entities': 'representations' };

type Variables = Record<string, unknown> | null | undefined;

// Yoga's parse cache hands out one document per query text, so an operation without variables,
// whose cost is fixed, is costed once.
const costsWithoutVariables = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, number>>();

/**
 * The number of objects an operation can make the server load: every object-typed field counts
 * once per parent instance, and a list multiplies everything under it by its size: the page size
 * of a connection (`first`/`last`, 10 when absent or null), the number of ids asked for, or an
 * assumed size for unpaged lists. Arguments are read as the resolvers get them: variables coerced,
 * their defaults applied, so `first: $n` costs what `first: 100` costs whether 100 is sent or is
 * $n's default. A fragment counts once per spread of it, as in the expanded operation, but is
 * costed once (per page size around it): the time is linear in the document, the figure saturates.
 * Undefined when the variables cannot be coerced: the executor refuses the operation before it runs.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): number | undefined {
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName),
  );
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return 0;
  if (operation.variableDefinitions?.length) {
    // One error is enough to know the executor refuses them; collecting all of thousands takes seconds.
    const coerced = getVariableValues(schema, operation.variableDefinitions, variables ?? {}, { maxErrors: 1 });
    return coerced.errors ? undefined : computeCost(schema, document, operation.selectionSet, root, coerced.coerced);
  }
  let costs = costsWithoutVariables.get(schema);
  if (!costs) {
    costs = new WeakMap();
    costsWithoutVariables.set(schema, costs);
  }
  let cost = costs.get(operation);
  if (cost === undefined) {
    cost = computeCost(schema, document, operation.selectionSet, root, {});
    costs.set(operation, cost);
  }
  return cost;
}

function computeCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  selectionSet: SelectionSetNode,
  root: GraphQLCompositeType,
  variables: Record<string, unknown>,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  const argumentsOf = (definition: GraphQLField<unknown, unknown>, field: FieldNode): Record<string, unknown> => {
    try {
      return getArgumentValues(definition, field, variables);
    } catch {
      // A required argument left without a value: the field fails before it loads anything.
      return {};
    }
  };
  const pageSize = (args: Record<string, unknown>) => {
    const size = args.first ?? args.last;
    return typeof size === 'number' && size >= 0 ? size : PAGE_SIZE.default;
  };

  // A fragment's cost for one object of its type, by the page size of the connection around it
  // (which sizes the `edges` it may select): the cost of a selection is proportional to the
  // number of objects it is selected on.
  const fragmentCosts = new Map<string, Map<number | undefined, number>>();
  const fragmentCost = (name: string, connectionPageSize: number | undefined): number => {
    let byPageSize = fragmentCosts.get(name);
    if (!byPageSize) {
      byPageSize = new Map();
      fragmentCosts.set(name, byPageSize);
    }
    const known = byPageSize.get(connectionPageSize);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    const type = fragment && schema.getType(fragment.typeCondition.name.value);
    // Spread inside itself (validation refuses it), unknown, or not on an object: nothing more.
    byPageSize.set(connectionPageSize, 0);
    const cost = fragment && isCompositeType(type) ? selectionCost(fragment.selectionSet, type, connectionPageSize) : 0;
    byPageSize.set(connectionPageSize, cost);
    return cost;
  };

  /** The objects `selectionSet` loads on one object of `parentType`. */
  const selectionCost = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType,
    connectionPageSize: number | undefined,
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        cost = saturatingAdd(cost, fragmentCost(selection.name.value, connectionPageSize));
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (isCompositeType(type)) cost = saturatingAdd(cost, selectionCost(selection.selectionSet, type, connectionPageSize));
        continue;
      }
      const definition = fieldDefinition(parentType, selection.name.value);
      if (!definition || !selection.selectionSet) continue;
      const type = getNamedType(definition.type);
      if (!isCompositeType(type)) continue;
      const isConnection = definition.args.some((arg) => arg.name === 'first' || arg.name === 'last');
      const sizingArgument = SIZED_BY_ARGUMENT[`${parentType.name}.${definition.name}`];
      const args = isConnection || sizingArgument ? argumentsOf(definition, selection) : {};
      let size = 1;
      if (isListType(getNullableType(definition.type))) {
        const sizing = sizingArgument ? args[sizingArgument] : undefined;
        size = Array.isArray(sizing) ? sizing.length : (connectionPageSize ?? ASSUMED_LIST_SIZE);
      }
      const perObject = selectionCost(selection.selectionSet, type, isConnection ? pageSize(args) : undefined);
      cost = saturatingAdd(cost, saturatingMultiply(size, saturatingAdd(1, perObject)));
    }
    return cost;
  };

  return selectionCost(selectionSet, root, undefined);
}

function fieldDefinition(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(type) || isInterfaceType(type)) return type.getFields()[name];
  return undefined;
}
