import {
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type ConnectionArgs, checkConnectionArgs } from '../data/pagination.ts';
import { apiError } from '../domain/errors.ts';

/** A connection field of a document: where it is, what it lists, and whether it is a root list. */
interface ConnectionUse {
  node: FieldNode;
  definition: GraphQLField<unknown, unknown>;
  nodeType: string;
  onRoot: boolean;
}

/** The connection fields of a document, found once per document (Yoga's parse cache hands out one per query text). */
const connectionsOf = new WeakMap<DocumentNode, ConnectionUse[]>();

function connections(schema: GraphQLSchema, document: DocumentNode): ConnectionUse[] {
  let found = connectionsOf.get(document);
  if (found) return found;
  found = [];
  const uses = found;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const definition = typeInfo.getFieldDef();
        const connection = definition && getNamedType(definition.type);
        if (!definition || !isObjectType(connection) || !('edges' in connection.getFields())) return;
        const edge = getNamedType(connection.getFields().edges.type);
        const nodeType = isObjectType(edge) ? getNamedType(edge.getFields().node.type).name : '';
        uses.push({ node, definition, nodeType, onRoot: typeInfo.getParentType() === schema.getQueryType() });
      },
    }),
  );
  connectionsOf.set(document, found);
  return found;
}

/**
 * The arguments of every connection in the document, checked before anything runs: plugin-prisma
 * plans a connection's read with the read of its parent, and would meet a page size past the
 * limit, or a cursor it cannot read, while reading the parent. The request is refused with the
 * argument named (src/data/pagination.ts). Whose list a cursor of a customer's list is, is checked
 * when each customer's page resolves (src/schema/index.ts).
 */
function firstBadArgument(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
) {
  const uses = connections(schema, document);
  if (!uses.length) return undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 1 });
  // The executor refuses the variables itself.
  if (coerced.errors) return undefined;
  for (const { node, definition, nodeType, onRoot } of uses) {
    try {
      checkConnectionArgs(getArgumentValues(definition, node, coerced.coerced) as ConnectionArgs, nodeType, onRoot ? undefined : null);
    } catch (error) {
      return error;
    }
  }
  return undefined;
}

export function checkConnectionArguments(): Plugin {
  // Refused before it runs: a 400, whatever the Accept header, as the other request limits.
  const refusal = (args: Parameters<NonNullable<Plugin['onExecute']>>[0]['args']) => {
    const refused = firstBadArgument(args.schema, args.document, args.operationName, args.variableValues ?? {});
    return refused instanceof GraphQLError
      ? { errors: [apiError('BAD_USER_INPUT', refused.message, { extensions: refused.extensions })] }
      : undefined;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}
