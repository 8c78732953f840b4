import {
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { readsOnlyItsRow } from './declare.ts';

/** The variable through which a payload read receives the id of the object the mutation wrote. */
export const PAYLOAD_ID_VARIABLE = '__payloadId';

/** One object of a mutation's payload that the compiled read answers: where it is, and the query that reads it. */
export interface PayloadRead {
  /** Response keys: the mutation field's, then the payload field's. */
  path: [string, string];
  /** `node(id: $__payloadId) { ... on Type { the payload field's selection } }`, with the document's fragments. */
  query: DocumentNode;
  /** Response keys the written row answers: taken from the resolvers, as the mutation wrote them. */
  rowKeys: string[];
}

/**
 * A mutation whose payload objects are read after it: the document it runs with (those selections
 * cut to what the written row answers, and its id), and the reads of the rest.
 */
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

/** The response key under which the resolvers hand over the written object's id. */
export const WRITTEN_ID_KEY = '__writtenId';

/**
 * The fields of a payload object's selection that its written row answers (columns, values of
 * them), or undefined where the selection is not plain fields (fragments, directives) or reaches
 * nothing past the row, so that resolving it as usual costs nothing more.
 */
function rowFields(type: GraphQLObjectType, selectionSet: SelectionSetNode): FieldNode[] | undefined {
  const fields: FieldNode[] = [];
  let pastTheRow = false;
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.directives?.length) return undefined;
    const definition = type.getFields()[selection.name.value];
    if (selection.name.value === '__typename' || (definition && readsOnlyItsRow(definition))) fields.push(selection);
    else pastTheRow = true;
  }
  return pastTheRow ? fields : undefined;
}

function plan(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): PayloadPlan | undefined {
  const operation = getOperationAST(document, operationName);
  const mutationType = schema.getMutationType();
  // One mutation field: with more, each payload must show the state right after its own mutation.
  const [root, ...others] = operation?.selectionSet.selections ?? [];
  if (operation?.operation !== 'mutation' || !mutationType || others.length || root?.kind !== Kind.FIELD) return undefined;
  if (root.directives?.length || !root.selectionSet) return undefined;
  const payloadType = getNamedType(mutationType.getFields()[root.name.value]?.type);
  if (!isObjectType(payloadType)) return undefined;
  const reads: PayloadRead[] = [];
  const selections = root.selectionSet.selections.map((selection) => {
    if (selection.kind !== Kind.FIELD || selection.directives?.length || !selection.selectionSet) return selection;
    const type = getNamedType(payloadType.getFields()[selection.name.value]?.type);
    if (!isObjectType(type) || !type.getInterfaces().some((implemented) => implemented.name === 'Node')) return selection;
    const fromRow = rowFields(type, selection.selectionSet);
    if (!fromRow) return selection;
    const key = selection.alias?.value ?? selection.name.value;
    reads.push({
      path: [root.alias?.value ?? root.name.value, key],
      query: readQuery(document, operation, type.name, selection.selectionSet),
      rowKeys: fromRow.map((f) => f.alias?.value ?? f.name.value),
    });
    const written: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: [...fromRow, field('id', undefined, WRITTEN_ID_KEY)] };
    return { ...selection, selectionSet: written };
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
 * For a mutation whose payload holds objects (a `customer`) selected past their own row, the plan
 * to answer what lies past the row (relations, lists, aggregates) with the compiled read once the
 * mutation has run, instead of field by field; the row's own fields stay as the mutation wrote
 * them, so a concurrent write cannot show through. Undefined for anything else. Planned once per
 * document and operation name.
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
