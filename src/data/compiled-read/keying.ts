import {
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  getArgumentValues,
  getVariableValues,
  Kind,
  type OperationDefinitionNode,
  visit,
} from 'graphql';
import { checkConnectionArgs } from '../pagination.ts';
import { scoped } from '../tenant.ts';
import { type CompiledRoot, declarationOf } from './declare.ts';
import { TENANT, whereSql } from './prisma-sql.ts';
import { connectionNodeType, type Field, keyOf } from './schema-types.ts';

/*
 * What of a request's variables picks its compiled statement, and what becomes the statement's
 * parameters at each run: the compiler keeps one statement per document and key (./compiler.ts).
 */

/**
 * Root arguments whose variable is used nowhere else: the statement takes the variable's value as
 * a parameter at each run, so one statement serves every id (or list of ids, or cursor) a client
 * sends. (The arguments that make the where of a `one` or `page` root pick it by that where's SQL:
 * `whereKeys`.)
 */
const PARAMETER_ARGUMENTS: Record<string, string> = {
  id: 'nodes',
  ids: 'nodes',
  representations: '_entities',
  after: 'page',
  before: 'page',
};

/** The arguments of a connection; the others of a `page` root make its where, tally and order. */
const CONNECTION_ARGUMENTS = new Set(['first', 'last', 'after', 'before']);

/**
 * Of each parameter variable, what of its value still picks the statement: nothing for an id; for
 * a cursor whether there is one (pageInfo depends on it) and whether the list handed it out (the
 * resolvers refuse any other, each as it is).
 */
export type ParameterVariables = ReadonlyMap<string, (value: unknown) => unknown>;

const anyValue = () => null;

const cursorShape = (nodeType: string, argument: string) => (value: unknown) => {
  if (value == null) return null;
  try {
    checkConnectionArgs({ [argument]: value }, nodeType);
    return 'a cursor of this list';
  } catch {
    return value;
  }
};

export function argumentParameter(field: FieldNode, argument: string, parameters: ParameterVariables): string | undefined {
  const value = field.arguments?.find((a) => a.name.value === argument)?.value;
  return value?.kind === Kind.VARIABLE && parameters.has(value.name.value) ? value.name.value : undefined;
}

type WhereRoot = Extract<CompiledRoot, { kind: 'one' | 'page' }>;

/** How a document's variables pick its statement: see `keyingOf` and `whereKeys`. */
export interface Keying {
  parameters: ParameterVariables;
  /** Root fields of kind one or page whose where some variables make, by response key. */
  whereFields: Map<string, { field: FieldNode; definition: Field; root: WhereRoot }>;
  /** Variables used only in the arguments that make those wheres (and their tally and order). */
  whereVariables: Set<string>;
}

/**
 * The variables that PARAMETER_ARGUMENTS of root fields use and nothing else uses, without a
 * default; and the variables used only in the arguments of `one` and `page` roots that make
 * their where (for a page, all but the connection's), with those roots.
 */
export function keyingOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Keying {
  const query = schema.getQueryType();
  const asArgument = new Map<string, number>();
  const shapes = new Map<string, ((value: unknown) => unknown)[]>();
  const inWheres = new Map<string, number>();
  const candidates = new Map<string, { field: FieldNode; definition: Field; root: WhereRoot; variables: Set<string> }>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const definition = query?.getFields()[selection.name.value];
    if (!definition) continue;
    const root = selection.name.value === '_entities' ? undefined : declarationOf(definition);
    const kind = selection.name.value === '_entities' ? '_entities' : root?.kind;
    for (const argument of selection.arguments ?? []) {
      const expected = PARAMETER_ARGUMENTS[argument.name.value];
      if (argument.value.kind === Kind.VARIABLE && expected !== undefined && expected === kind) {
        const variable = argument.value.name.value;
        asArgument.set(variable, (asArgument.get(variable) ?? 0) + 1);
        const shape = expected === 'page' ? cursorShape(connectionNodeType(definition).name, argument.name.value) : anyValue;
        shapes.set(variable, [...(shapes.get(variable) ?? []), shape]);
      }
      if (root && (root.kind === 'one' || (root.kind === 'page' && !CONNECTION_ARGUMENTS.has(argument.name.value)))) {
        const key = keyOf(selection);
        const candidate = candidates.get(key) ?? { field: selection, definition, root, variables: new Set<string>() };
        candidates.set(key, candidate);
        visit(argument.value, {
          Variable: (node) => {
            inWheres.set(node.name.value, (inWheres.get(node.name.value) ?? 0) + 1);
            candidate.variables.add(node.name.value);
          },
        });
      }
    }
  }
  const uses = new Map<string, number>();
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => void uses.set(node.name.value, (uses.get(node.name.value) ?? 0) + 1),
  });
  const withDefault = new Set(operation.variableDefinitions?.filter((d) => d.defaultValue).map((d) => d.variable.name.value));
  const parameters = new Map(
    [...asArgument]
      .filter(([name, count]) => uses.get(name) === count && !withDefault.has(name))
      .map(([name]) => {
        const of = shapes.get(name) ?? [];
        return [name, (value: unknown) => of.map((shape) => shape(value))];
      }),
  );
  const whereVariables = new Set([...inWheres].filter(([name, count]) => uses.get(name) === count).map(([name]) => name));
  const whereFields = new Map([...candidates].filter(([, { variables }]) => [...variables].some((name) => whereVariables.has(name))));
  return { parameters, whereFields, whereVariables };
}

/**
 * The where each root field of `whereFields` makes of these variables, as the resolvers would
 * make it: its SQL, which (with a page's tally and order) picks the statement, and its values, the
 * statement's parameters at this run. Undefined for variables that make none (the resolvers refuse
 * them): those key the statement as they are.
 */
export function whereKeys(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  whereFields: Keying['whereFields'],
) {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return undefined;
  const keys: unknown[] = [];
  const values = new Map<string, unknown[]>();
  try {
    for (const [key, { field, definition, root }] of whereFields) {
      const args = getArgumentValues(definition, field, coerced.coerced);
      const params: unknown[] = [];
      const sql = whereSql(root.model, 't', scoped(root.model, TENANT, root.where(args)), (value, type, options) => {
        params.push(value);
        return `$${params.length}::${type}${options?.planWithValue ? ' (planned with its value)' : ''}`;
      });
      keys.push(root.kind === 'page' ? [key, sql, root.tally?.(args) ?? null, root.orderBy(args)] : [key, sql]);
      values.set(key, params);
    }
  } catch {
    return undefined;
  }
  return { keys, values };
}
