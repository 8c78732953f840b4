import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** The variable through which a payload read receives the id of the object the mutation wrote. */
export const PAYLOAD_ID_VARIABLE = '__payloadId';

/** One object of a mutation's payload that the compiled read answers: where it is, and the query that reads it. */
export interface PayloadRead {
  /** Response keys: the mutation field's, then the payload field's. */
  path: [string, string];
  /** `node(id: $__payloadId) { ... on Type { the payload field's selection } }`, with the document's fragments. */
  query: DocumentNode;
}

/** A mutation whose payload objects are read after it: the document it runs with (those selections cut to `id`), and the reads. */
export interface PayloadPlan {
  mutation: DocumentNode;
  reads: PayloadRead[];
}

const field = (name: string, selectionSet?: SelectionSetNode, alias?: string): FieldNode => ({
  kind: Kind.FIELD,
  name: { kind: Kind.NAME, value: name },
  ...(alias ? { alias: { kind: Kind.NAME, value: alias } } : {}),
  ...(selectionSet ? { selectionSet } : {}),
});

const ID_ONLY: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: [field('id')] };

function readQuery(document: DocumentNode, operation: OperationDefinitionNode, type: string, selectionSet: SelectionSetNode): DocumentNode {
  const node: FieldNode = {
    ...field('node', {
      kind: Kind.SELECTION_SET,
      selections: [
        { kind: Kind.INLINE_FRAGMENT, typeCondition: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: type } }, selectionSet },
      ],
    }),
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'id' },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: PAYLOAD_ID_VARIABLE } },
      },
    ],
  };
  const idVariable = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: PAYLOAD_ID_VARIABLE } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  } as const;
  return {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as OperationDefinitionNode['operation'],
        variableDefinitions: [...(operation.variableDefinitions ?? []), idVariable],
        selectionSet: { kind: Kind.SELECTION_SET, selections: [node] },
      },
      ...document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION),
    ],
  };
}

/**
 * Whether a selection of `type` asks for more than the row the mutation wrote: a field that is not
 * one of the row's exposed columns (a relation, a list, an aggregate). The row's own columns the
 * resolvers answer from the written row, without a statement.
 */
function reachesPastTheRow(
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.INLINE_FRAGMENT) return reachesPastTheRow(type, selection.selectionSet, fragments);
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value);
      return !fragment || reachesPastTheRow(type, fragment.selectionSet, fragments);
    }
    if (selection.name.value === '__typename') return false;
    return !type.getFields()[selection.name.value]?.extensions?.pothosExposedField;
  });
}

function plan(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): PayloadPlan | undefined {
  const operation = getOperationAST(document, operationName);
  const mutationType = schema.getMutationType();
  // One mutation field: with more, each payload must show the state right after its own mutation.
  const [root, ...others] = operation?.selectionSet.selections ?? [];
  if (!operation || operation.operation !== 'mutation' || !mutationType || others.length || root?.kind !== Kind.FIELD) return undefined;
  if (root.directives?.length || !root.selectionSet) return undefined;
  const payloadType = getNamedType(mutationType.getFields()[root.name.value]?.type);
  if (!isObjectType(payloadType)) return undefined;
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const reads: PayloadRead[] = [];
  const selections = root.selectionSet.selections.map((selection) => {
    if (selection.kind !== Kind.FIELD || selection.directives?.length || !selection.selectionSet) return selection;
    const type = getNamedType(payloadType.getFields()[selection.name.value]?.type);
    if (!isObjectType(type) || !type.getInterfaces().some((implemented) => implemented.name === 'Node')) return selection;
    if (!reachesPastTheRow(type, selection.selectionSet, fragments)) return selection;
    const key = selection.alias?.value ?? selection.name.value;
    reads.push({
      path: [root.alias?.value ?? root.name.value, key],
      query: readQuery(document, operation, type.name, selection.selectionSet),
    });
    return { ...selection, selectionSet: ID_ONLY };
  });
  if (!reads.length) return undefined;
  const rewritten: FieldNode = { ...root, selectionSet: { ...root.selectionSet, selections } };
  return {
    mutation: {
      ...document,
      definitions: document.definitions.map((definition) =>
        definition === operation ? { ...operation, selectionSet: { ...operation.selectionSet, selections: [rewritten] } } : definition,
      ),
    },
    reads,
  };
}

const plans = new WeakMap<DocumentNode, Map<string | null, PayloadPlan | undefined>>();

/**
 * For a mutation whose payload holds objects (a `customer`) selected past their own columns, the
 * plan to answer those selections with the compiled read once the mutation has run, instead of
 * resolving them field by field. Undefined for anything else. Planned once per document and
 * operation name.
 */
export function payloadPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): PayloadPlan | undefined {
  let byName = plans.get(document);
  if (!byName) {
    byName = new Map();
    plans.set(document, byName);
  }
  const name = operationName ?? null;
  if (!byName.has(name)) byName.set(name, plan(schema, document, operationName));
  return byName.get(name);
}
