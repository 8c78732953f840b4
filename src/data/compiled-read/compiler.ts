import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isEnumType,
  isListType,
  isObjectType,
  isScalarType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { CAPACITY } from '../../config/limits.ts';
import { graphqlTypeName, ID_PREFIXES, type IdType } from '../../domain/ids.ts';
import { relationOf } from '../datamodel.ts';
import {
  CHILD_CURSOR,
  type ConnectionArgs,
  checkConnectionArgs,
  cursorSql as connectionCursorSql,
  pageInfoSql,
  pageWindow,
} from '../pagination.ts';
import { scoped, type Tenant } from '../tenant.ts';
import { type Aggregate, type CompiledField, type CompiledRoot, declarationOf, type SqlContext, type Tally } from './declare.ts';
import { argumentParameter, type Keying, keyingOf, type ParameterVariables, whereKeys } from './keying.ts';
import { cursorSql, NotCompiled, orderKeys, orderSql, type Param, SqlValue, TENANT, VariableValue, whereSql } from './prisma-sql.ts';
import { connectionNodeType, type Field, keyOf, objectTypeOf } from './schema-types.ts';

/**
 * The compiled read: a query answered by one SQL statement that builds the response's JSON in
 * PostgreSQL. It is derived, field by field, from the schema the Pothos types define and the
 * Prisma datamodel: exposed columns, relations (`t.relation`, `t.relatedConnection`) with their
 * Prisma query options, relation counts, variants, and the SQL that computed fields and root
 * fields declare (./declare.ts). It holds no table of its own. What it cannot derive (a field
 * without a declaration, a directive other than @skip/@include, an argument the resolvers would
 * refuse) leaves the whole operation to the resolvers, which are the reference: the parity test
 * runs queries both ways and requires equal answers.
 */

/**
 * A parameter of a compiled statement: a value fixed when it was compiled, taken at each run from
 * a variable (through `read`, which throws for a value the statement cannot take), or the `at`th
 * value of the where a root field's arguments make at each run (see `whereKeys`).
 */
type ParamSource = { value: unknown } | { variable: string; read: (value: unknown) => unknown } | { where: string; at: number };

/**
 * The context the fields' Prisma query options are called with: the caller is the statement's
 * parameters, so a relation scoped to the caller compiles to one statement for every caller.
 */
const QUERY_CONTEXT = { caller: TENANT };

/** Where the fields of an object read from. */
type Source =
  /** A row of a model's table. */
  | { kind: 'row'; model: string; alias: string }
  /** A jsonb value (a JSON column, or a part of one). */
  | { kind: 'json'; sql: string }
  /** Named SQL values (Money's amount and currency). */
  | { kind: 'values'; columns: Record<string, string> };

class Statement {
  readonly params: ParamSource[] = [];
  /** Whether PostgreSQL must plan it with each run's values (unprepared) rather than once. */
  planWithValues = false;
  private aliases = 0;
  constructor(
    readonly schema: GraphQLSchema,
    readonly fragments: Record<string, FragmentDefinitionNode>,
    readonly variables: Record<string, unknown>,
    /** Root fields (by response key) whose where takes its values at each run. */
    readonly whereKeyed: ReadonlySet<string>,
  ) {}
  /**
   * How the where of root field `field` adds its values: as they are now, or where its arguments
   * make it at each run, as the `at`th value of that run's where.
   */
  whereParam(field: FieldNode): Param {
    const where = keyOf(field);
    if (!this.whereKeyed.has(where)) return this.param;
    let at = 0;
    return (_value, type, options) => this.parameter({ where, at: at++ }, type, options);
  }
  readonly param: Param = (value, type, options) =>
    this.parameter(value instanceof VariableValue ? { variable: value.variable, read: value.read } : { value }, type, options);
  private parameter(param: ParamSource, type: string, options?: { planWithValue?: boolean }): string {
    if (options?.planWithValue) this.planWithValues = true;
    return this.placeholder(param, type);
  }
  placeholder(param: ParamSource, type: string): string {
    this.params.push(param);
    return `$${this.params.length + 2}::${type}`;
  }
  alias(): string {
    return `t${++this.aliases}`;
  }
}

/*
 * The statement writes the answer as JSON text, compact as JSON.stringify writes it, so that the
 * server can send it as it is (json_build_object and json_agg write `"key" : value, `). Every value
 * below is the SQL of a JSON text, or NULL for null.
 */

/** The JSON text of an SQL scalar, as json_build_object writes a value of its type. */
const scalarJson = (sql: string) => `to_json(${sql})::text`;

/** The JSON text of a string known here (a type name): GraphQL names need no escaping. */
const nameJson = (name: string) => `'"${name}"'`;

/** concat of parts, nested where there are more than a function's 100 arguments. */
function concatSql(parts: string[]): string {
  if (parts.length <= 100) return `concat(${parts.join(', ')})`;
  const chunks: string[] = [];
  for (let i = 0; i < parts.length; i += 100) chunks.push(concatSql(parts.slice(i, i + 100)));
  return concatSql(chunks);
}

/** The JSON object of a selection: its keys are GraphQL names or aliases, which need no escaping. */
function jsonObject(pairs: [key: string, value: string][]): string {
  if (!pairs.length) return `'{}'`;
  return concatSql([...pairs.flatMap(([key, value], i) => [`'${i === 0 ? '{' : ','}"${key}":'`, `coalesce(${value}, 'null')`]), `'}'`]);
}

/** The JSON array of `element` over the rows an aggregate sees (one row, even for none), in `order`, those `filter` keeps. */
function jsonArray(element: string, order: string, filter = ''): string {
  return `coalesce('[' || string_agg(coalesce(${element}, 'null'), ','${order ? ` ORDER BY ${order}` : ''}) ${filter} || ']', '[]')`;
}

function included(node: SelectionNode, statement: Statement): boolean {
  for (const directive of node.directives ?? []) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') throw new NotCompiled();
    const definition = statement.schema.getDirective(name);
    if (!definition) throw new NotCompiled();
    const { if: value } = getArgumentValues(definition, directive, statement.variables) as { if: boolean };
    if (value === (name === 'skip')) return false;
  }
  return true;
}

/**
 * The fields selected on an object of `type`, through fragments, in the order the response gives
 * them; fields under one response key are one field, their selections merged.
 */
function fieldsOf(type: GraphQLObjectType, selectionSet: SelectionSetNode | undefined, statement: Statement): FieldNode[] {
  if (!selectionSet) throw new NotCompiled();
  const fields: FieldNode[] = [];
  const byKey = new Map<string, number>();
  const applies = (condition: string | undefined) =>
    condition === undefined || condition === type.name || type.getInterfaces().some((i) => i.name === condition);
  // A fragment spread again adds nothing: collecting it once keeps this linear in the document.
  const spread = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const node of set.selections) {
      if (!included(node, statement)) continue;
      if (node.kind === Kind.FIELD) {
        const key = node.alias?.value ?? node.name.value;
        const index = byKey.get(key);
        if (index === undefined) {
          byKey.set(key, fields.push(node) - 1);
        } else if (node.selectionSet) {
          // Validation has made sure that fields under one key have the same name and arguments.
          const first = fields[index];
          const selections = [...(first.selectionSet?.selections ?? []), ...node.selectionSet.selections];
          fields[index] = { ...first, selectionSet: { kind: Kind.SELECTION_SET, selections } };
        }
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        if (applies(node.typeCondition?.name.value)) collect(node.selectionSet);
      } else if (!spread.has(node.name.value)) {
        spread.add(node.name.value);
        const fragment = statement.fragments[node.name.value];
        if (!fragment) throw new NotCompiled();
        if (applies(fragment.typeCondition.name.value)) collect(fragment.selectionSet);
      }
    }
  };
  collect(selectionSet);
  return fields;
}

const isConnection = (type: GraphQLNamedType): type is GraphQLObjectType =>
  isObjectType(type) && 'edges' in type.getFields() && 'pageInfo' in type.getFields();

const compiledOf = (field: Field) => declarationOf(field);

/** The SQL writing a scalar or enum value as the field's GraphQL type serializes it. */
function serialize(type: GraphQLOutputType, value: string): string {
  const named = getNamedType(type);
  if (isScalarType(named)) {
    const scalar = (named.extensions as { compiledRead?: { serialize: (value: string) => string } }).compiledRead;
    return scalar ? scalar.serialize(value) : value;
  }
  if (isEnumType(named)) {
    const renamed = named.getValues().filter((v) => v.value !== v.name);
    if (!renamed.length) return `${value}::text`;
    return `CASE ${renamed.map((v) => `WHEN ${value}::text = '${String(v.value)}' THEN '${v.name}'`).join(' ')} ELSE ${value}::text END`;
  }
  throw new NotCompiled();
}

function columnOf(source: Source, name: string, statement: Statement): string {
  if (source.kind === 'row') return `${source.alias}."${name}"`;
  if (source.kind === 'values') {
    if (!(name in source.columns)) throw new NotCompiled();
    return source.columns[name];
  }
  return `(${source.sql} -> ${statement.param(name, 'text')})`;
}

function sqlContext(source: Source, args: Record<string, unknown>, statement: Statement): SqlContext {
  return {
    column: (name) => columnOf(source, name, statement),
    args,
    param: statement.param,
    alias: () => statement.alias(),
    groupBy: (aggregate, alias) => groupBySql(source, aggregate, alias, statement),
  };
}

function rowSource(source: Source): Extract<Source, { kind: 'row' }> {
  if (source.kind !== 'row') throw new NotCompiled();
  return source;
}

/** FROM item of a relation's rows grouped by columns with their sums. */
function groupBySql(parent: Source, aggregate: Aggregate, alias: string, statement: Statement): string {
  const { model: parentModel, alias: parentAlias } = rowSource(parent);
  const relation = relationOf(parentModel, aggregate.relation);
  const inner = statement.alias();
  const join = relation.join.map(([mine, theirs]) => `${inner}."${theirs}" = ${parentAlias}."${mine}"`).join(' AND ');
  const columns = [...aggregate.by.map((c) => `${inner}."${c}"`), ...aggregate.sum.map((c) => `sum(${inner}."${c}") AS "${c}"`)];
  const where = whereSql(relation.model, inner, aggregate.where, statement.param);
  return `(SELECT ${columns.join(', ')} FROM "${relation.model}" ${inner} WHERE ${join} AND ${where} GROUP BY ${aggregate.by
    .map((c) => `${inner}."${c}"`)
    .join(', ')}) ${alias}`;
}

function objectJson(type: GraphQLObjectType, source: Source, selectionSet: SelectionSetNode | undefined, statement: Statement): string {
  const pairs = fieldsOf(type, selectionSet, statement).map((field): [string, string] => [
    keyOf(field),
    fieldSql(type, source, field, statement),
  ]);
  return jsonObject(pairs);
}

/** A list of `type` objects, one per row of `from` (aliased `alias`), in `order`. */
function listJson(
  type: GraphQLObjectType,
  alias: string,
  from: string,
  order: string,
  field: FieldNode,
  statement: Statement,
  model?: string,
) {
  const source: Source = model ? { kind: 'row', model, alias } : { kind: 'row', model: '', alias };
  const element = objectJson(type, source, field.selectionSet, statement);
  return `(SELECT ${jsonArray(element, order)} FROM ${from})`;
}

/** A jsonb value read as the field's GraphQL type: a scalar, an object, or a list of either. */
function jsonValueSql(type: GraphQLOutputType, value: string, field: FieldNode, statement: Statement): string {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const alias = statement.alias();
    const element = jsonValueSql(nullable.ofType, `${alias}.value`, field, statement);
    return `CASE WHEN jsonb_typeof(${value}) = 'array' THEN (SELECT ${jsonArray(element, `${alias}.ordinality`)} FROM jsonb_array_elements(${value}) WITH ORDINALITY ${alias}) END`;
  }
  const named = getNamedType(type);
  if (isObjectType(named)) {
    return `CASE WHEN jsonb_typeof(${value}) = 'object' THEN ${objectJson(named, { kind: 'json', sql: value }, field.selectionSet, statement)} END`;
  }
  // A JSON string read as text; numbers, booleans and JSON scalars stay JSON.
  if (named.name === 'String' || named.name === 'ID' || isEnumType(named)) return scalarJson(`(${value} #>> '{}')`);
  return scalarJson(serialize(type, value));
}

function argumentsOf(definition: Field, field: FieldNode, statement: Statement): Record<string, unknown> {
  return getArgumentValues(definition, field, statement.variables);
}

function fieldSql(parentType: GraphQLObjectType, source: Source, field: FieldNode, statement: Statement): string {
  const name = field.name.value;
  if (name === '__typename') return nameJson(parentType.name);
  const definition = parentType.getFields()[name];
  if (!definition) throw new NotCompiled();
  const extensions = definition.extensions as Record<string, unknown>;
  const compiled = compiledOf(definition);
  if (compiled) return declaredSql(compiled, definition, source, field, statement);
  if (extensions.pothosPrismaRelationField) return relationSql(definition, source, field, statement);
  const exposed = extensions.pothosExposedField as string | undefined;
  if (exposed !== undefined) {
    if (source.kind === 'json')
      return jsonValueSql(definition.type, `(${source.sql} -> ${statement.param(exposed, 'text')})`, field, statement);
    const value = columnOf(source, exposed, statement);
    const named = getNamedType(definition.type);
    // A JSON column exposed as an object type (an address), or as a list of them.
    if (isObjectType(named)) return jsonValueSql(definition.type, value, field, statement);
    return scalarJson(serialize(definition.type, value));
  }
  if (extensions.pothosPrismaSelect) return selectedSql(definition, source, field, statement);
  throw new NotCompiled();
}

function declaredSql(
  compiled: CompiledField | CompiledRoot,
  definition: Field,
  source: Source,
  field: FieldNode,
  statement: Statement,
): string {
  const context = sqlContext(source, argumentsOf(definition, field, statement), statement);
  switch (compiled.kind) {
    case 'value':
      return scalarJson(serialize(definition.type, compiled.sql(context)));
    case 'object': {
      const type = objectTypeOf(definition.type);
      if (compiled.from) {
        const alias = statement.alias();
        const row: Source = { kind: 'row', model: '', alias };
        const object = objectJson(type, row, field.selectionSet, statement);
        const when = compiled.when?.(sqlContext(row, context.args, statement));
        return `(SELECT ${when ? `CASE WHEN ${when} THEN ${object} END` : object} FROM ${compiled.from(context, alias)})`;
      }
      const inner: Source = compiled.columns ? { kind: 'values', columns: compiled.columns(context) } : source;
      const object = objectJson(type, inner, field.selectionSet, statement);
      return compiled.when ? `CASE WHEN ${compiled.when(context)} THEN ${object} END` : object;
    }
    case 'rows': {
      const alias = statement.alias();
      const { from, orderBy } = compiled.rows(context, alias);
      return listJson(objectTypeOf(definition.type), alias, from, orderBy, field, statement);
    }
    case 'reference':
      return byIdSql(objectTypeOf(definition.type), compiled.model, context.column(compiled.column), field.selectionSet, statement);
    default:
      throw new NotCompiled();
  }
}

/** The Prisma query a relation field passes to Prisma for these arguments, read off the Pothos field. */
function relationQuery(definition: Field, args: Record<string, unknown>): Record<string, unknown> {
  const select = (definition.extensions as { pothosPrismaSelect: unknown }).pothosPrismaSelect;
  if (typeof select !== 'function') throw new NotCompiled();
  const planned = select(
    args,
    QUERY_CONTEXT,
    (query: unknown) => query,
    () => new Set<string>(),
  ) as { select?: Record<string, unknown> };
  const entries = Object.entries(planned?.select ?? {}).filter(([key]) => key !== '_count');
  if (entries.length !== 1) throw new NotCompiled();
  const [, query] = entries[0];
  // A field's `query` option may be a function of the arguments and context, which plugin-prisma calls when it plans.
  const options = typeof query === 'function' ? query(args, QUERY_CONTEXT) : query;
  return (options ?? {}) as Record<string, unknown>;
}

/** `t.relation` and `t.relatedConnection` fields: rows of the related model joined to the parent's row. */
function relationSql(definition: Field, source: Source, field: FieldNode, statement: Statement): string {
  const parent = rowSource(source);
  const relationField = (definition.extensions as { pothosPrismaRelationField: { name: string } }).pothosPrismaRelationField;
  const relation = relationOf(parent.model, relationField.name);
  const args = argumentsOf(definition, field, statement);
  const named = getNamedType(definition.type);
  if (isConnection(named)) {
    // A cursor of a customer's list names its customer, which the resolvers check against the
    // parent each cursor is given under: that page is theirs to answer.
    if (args.after != null || args.before != null) throw new NotCompiled();
    const nodeType = objectTypeOf(named.getFields().edges.type);
    checkConnectionArgs(args, objectTypeOf(nodeType.getFields().node.type).name, null);
  }
  const query = relationQuery(definition, args);
  const joined = (alias: string) => relation.join.map(([mine, theirs]) => `${alias}."${theirs}" = ${parent.alias}."${mine}"`).join(' AND ');
  const whereOf = (alias: string) =>
    `${joined(alias)} AND ${whereSql(relation.model, alias, query.where as Record<string, unknown>, statement.param)}`;
  if (isConnection(named)) return pageSql(named, relation.model, CHILD_CURSOR, whereOf, query, args, field, statement, undefined, joined);
  const alias = statement.alias();
  return rowsSql(definition, relation.model, alias, whereOf(alias), query, field, statement);
}

/** A list of rows, or (for a field of a single object) the first of them. */
function rowsSql(
  definition: Field,
  model: string,
  alias: string,
  where: string,
  query: Record<string, unknown>,
  field: FieldNode,
  statement: Statement,
): string {
  const type = objectTypeOf(definition.type);
  const order = query.orderBy ? orderSql(alias, orderKeys(model, query.orderBy as Record<string, unknown>[])) : '';
  const isList = isListType(getNullableType(definition.type));
  if (!isList) {
    const object = objectJson(type, { kind: 'row', model, alias }, field.selectionSet, statement);
    return `(SELECT ${object} FROM "${model}" ${alias} WHERE ${where}${order ? ` ORDER BY ${order}` : ''} LIMIT 1)`;
  }
  if (query.take !== undefined || query.skip !== undefined || query.cursor !== undefined) throw new NotCompiled();
  return listJson(type, alias, `"${model}" ${alias} WHERE ${where}`, order, field, statement, model);
}

/** Fields planned with a Prisma `select`: a relation count, the first row of a relation, or a variant of the same row. */
function selectedSql(definition: Field, source: Source, field: FieldNode, statement: Statement): string {
  const parent = rowSource(source);
  const select = (definition.extensions as { pothosPrismaSelect: unknown }).pothosPrismaSelect;
  const args = argumentsOf(definition, field, statement);
  const planned = (typeof select === 'function' ? select(args, QUERY_CONTEXT, (query: unknown) => query) : select) as Record<
    string,
    unknown
  > | null;
  const counts = (planned?._count as { select?: Record<string, unknown> } | undefined)?.select;
  if (counts) {
    const [[name, count]] = Object.entries(counts);
    const relation = relationOf(parent.model, name);
    const alias = statement.alias();
    const join = relation.join.map(([mine, theirs]) => `${alias}."${theirs}" = ${parent.alias}."${mine}"`).join(' AND ');
    const where = typeof count === 'object' && count ? (count as { where?: Record<string, unknown> }).where : undefined;
    return scalarJson(
      `(SELECT count(*)::int FROM "${relation.model}" ${alias} WHERE ${join} AND ${whereSql(relation.model, alias, where, statement.param)})`,
    );
  }
  const selected = (planned as { select?: Record<string, unknown> } | null)?.select;
  if (selected && Object.keys(selected).length === 1) {
    const [[name, query]] = Object.entries(selected);
    const relation = relationOf(parent.model, name);
    const alias = statement.alias();
    const join = relation.join.map(([mine, theirs]) => `${alias}."${theirs}" = ${parent.alias}."${mine}"`).join(' AND ');
    const relationQueryOptions = (query ?? {}) as Record<string, unknown>;
    const where = `${join} AND ${whereSql(relation.model, alias, relationQueryOptions.where as Record<string, unknown>, statement.param)}`;
    return rowsSql(definition, relation.model, alias, where, { ...relationQueryOptions, take: undefined }, field, statement);
  }
  // A variant (t.variant): the same row seen as another type.
  const model = (objectTypeOf(definition.type).extensions as { pothosPrismaModel?: string }).pothosPrismaModel;
  if (model === parent.model && planned && Object.keys(planned).length === 0) {
    return objectJson(objectTypeOf(definition.type), source, field.selectionSet, statement);
  }
  throw new NotCompiled();
}

/**
 * A Relay connection over the rows of `model` (aliased `alias`) meeting `where`, paged as Prisma
 * reads a window (take, skip, cursor) in `query.orderBy`: limit + 1 rows read in the direction of
 * travel, the page in the list's order, pageInfo and cursors as plugin-prisma writes them.
 */
function pageSql(
  connectionType: GraphQLObjectType,
  model: string,
  cursorKey: string,
  whereOf: (alias: string) => string,
  query: Record<string, unknown>,
  args: ConnectionArgs,
  field: FieldNode,
  statement: Statement,
  count?: () => string,
  cursorWithin?: (row: string) => string,
): string {
  const alias = statement.alias();
  const where = whereOf(alias);
  const take = query.take as number;
  const skip = (query.skip as number | undefined) ?? 0;
  const backward = take < 0;
  const keys = orderKeys(model, (query.orderBy as Record<string, unknown>[]) ?? [], backward);
  const travel = orderSql(alias, keys);
  const cursor = query.cursor
    ? ` AND ${cursorSql(model, alias, keys, query.cursor as Record<string, unknown>, statement.param, cursorWithin)}`
    : '';
  const size = Math.abs(take) - 1;
  const inPage = `FILTER (WHERE ${alias}.n <= ${size})`;
  const listOrder = backward ? 'DESC' : 'ASC';
  const edgeType = objectTypeOf(connectionType.getFields().edges.type);
  const nodeType = objectTypeOf(edgeType.getFields().node.type);
  const pageInfoType = objectTypeOf(connectionType.getFields().pageInfo.type);
  const pageInfo = pageInfoSql(args, take, 'count(*)', {
    start: `(array_agg(${alias}.cursor ORDER BY ${alias}.n ${listOrder}) ${inPage})[1]`,
    end: `(array_agg(${alias}.cursor ORDER BY ${alias}.n ${listOrder === 'ASC' ? 'DESC' : 'ASC'}) ${inPage})[1]`,
  }) as Record<string, string>;
  const pairs = fieldsOf(connectionType, field.selectionSet, statement).map((part): [string, string] => {
    const key = keyOf(part);
    switch (part.name.value) {
      case '__typename':
        return [key, nameJson(connectionType.name)];
      case 'totalCount': {
        if (count) return [key, scalarJson(count())];
        const counted = statement.alias();
        return [key, scalarJson(`(SELECT count(*)::int FROM "${model}" ${counted} WHERE ${whereOf(counted)})`)];
      }
      case 'pageInfo':
        return [key, valuesJson(pageInfoType, pageInfo, part, statement)];
      case 'edges': {
        const edge = fieldsOf(edgeType, part.selectionSet, statement).map((edgePart): [string, string] => {
          const edgeKey = keyOf(edgePart);
          if (edgePart.name.value === '__typename') return [edgeKey, nameJson(edgeType.name)];
          if (edgePart.name.value === 'cursor') return [edgeKey, scalarJson(`${alias}.cursor`)];
          if (edgePart.name.value === 'node')
            return [edgeKey, objectJson(nodeType, { kind: 'row', model, alias }, edgePart.selectionSet, statement)];
          throw new NotCompiled();
        });
        return [key, jsonArray(jsonObject(edge), `${alias}.n ${listOrder}`, inPage)];
      }
      default:
        throw new NotCompiled();
    }
  });
  // GROUP BY (): one row even for an empty page, whatever is selected.
  return `(SELECT ${jsonObject(pairs)} FROM (
    SELECT ${alias}.*, row_number() OVER (ORDER BY ${travel}) AS n, ${connectionCursorSql(model, cursorKey, (column) => `${alias}."${column}"`)} AS cursor
    FROM (SELECT * FROM "${model}" ${alias} WHERE ${where}${cursor} ORDER BY ${travel} OFFSET ${skip} LIMIT ${Math.abs(take)}) ${alias}) ${alias} GROUP BY ())`;
}

/** An object of plain values (pageInfo): each selected field is one of `values`. */
function valuesJson(type: GraphQLObjectType, values: Record<string, string>, field: FieldNode, statement: Statement): string {
  return jsonObject(
    fieldsOf(type, field.selectionSet, statement).map((part): [string, string] => {
      if (part.name.value === '__typename') return [keyOf(part), nameJson(type.name)];
      const value = values[part.name.value];
      if (value === undefined) throw new NotCompiled();
      return [keyOf(part), scalarJson(value)];
    }),
  );
}

const MODEL_BY_TYPE = new Map<string, IdType>(
  (Object.keys(ID_PREFIXES) as IdType[]).map((type) => [graphqlTypeName(type), type] as [string, IdType]),
);

/** An object of a model by id among the caller's rows, `id` being SQL. */
function byIdSql(type: GraphQLObjectType, model: string, id: string, selectionSet: SelectionSetNode | undefined, statement: Statement) {
  const alias = statement.alias();
  const where = whereSql(model, alias, scoped(model, TENANT, { id: new SqlValue(id) }), statement.param);
  return `(SELECT ${objectJson(type, { kind: 'row', model, alias }, selectionSet, statement)} FROM "${model}" ${alias} WHERE ${where})`;
}

/**
 * Objects by prefixed id, in the order of the array parameter `ids` (and, for federation, the
 * type names in `typenames`): one branch per type the selection can answer for.
 */
function nodesSql(
  field: FieldNode,
  types: GraphQLObjectType[],
  ids: string,
  typenames: string | undefined,
  list: boolean,
  statement: Statement,
): string {
  const row = statement.alias();
  const branches = types.map((type) => {
    const model = (type.extensions as { pothosPrismaModel?: string }).pothosPrismaModel;
    const idType = MODEL_BY_TYPE.get(type.name);
    if (!model || !idType) throw new NotCompiled();
    const matches = typenames ? `${row}.typename = '${type.name}'` : `${row}.id LIKE '${ID_PREFIXES[idType]}\\_%'`;
    return `WHEN ${matches} THEN ${byIdSql(type, model, `${row}.id`, field.selectionSet, statement)}`;
  });
  const value = branches.length ? `CASE ${branches.join(' ')} END` : 'NULL';
  if (!list) return `(SELECT ${value} FROM (SELECT ${ids} AS id) ${row})`;
  const from = typenames
    ? `unnest(${ids}, ${typenames}) WITH ORDINALITY ${row}(id, typename, n)`
    : `unnest(${ids}) WITH ORDINALITY ${row}(id, n)`;
  return `(SELECT ${jsonArray(value, `${row}.n`)} FROM ${from})`;
}

/** The object types an abstract field (Node, _Entity) can answer with: each is read by id from its model. */
function typesSelected(abstractType: GraphQLNamedType, statement: Statement): GraphQLObjectType[] {
  const possible = isObjectType(abstractType)
    ? [abstractType]
    : statement.schema.getPossibleTypes(abstractType as Parameters<GraphQLSchema['getPossibleTypes']>[0]);
  return possible.filter((type) => MODEL_BY_TYPE.has(type.name));
}

/** The caller's sum of a tally: the count it keeps. */
function tallySql(tally: Tally, statement: Statement): string {
  const alias = statement.alias();
  const where = whereSql(tally.model, alias, scoped(tally.model, TENANT, tally.where), statement.param);
  return `(SELECT coalesce(sum(${alias}."${tally.sum}"), 0)::int FROM "${tally.model}" ${alias} WHERE ${where})`;
}

const readId = (value: unknown) => {
  if (typeof value !== 'string') throw new NotCompiled();
  return value;
};

const readIds = (value: unknown) => {
  if (!Array.isArray(value)) throw new NotCompiled();
  return value.map(readId);
};

/** A representation is `{ __typename, id }` of a type this compiler can read. */
const readRepresentations = (value: unknown) => {
  if (!Array.isArray(value)) throw new NotCompiled();
  return value.map((r: { __typename?: unknown; id?: unknown }) => {
    if (typeof r?.__typename !== 'string' || !MODEL_BY_TYPE.has(r.__typename) || typeof r.id !== 'string') throw new NotCompiled();
    return r as { __typename: string; id: string };
  });
};

function rootSql(query: GraphQLObjectType, field: FieldNode, statement: Statement, parameters: ParameterVariables): string {
  const name = field.name.value;
  if (name === '__typename') return nameJson(query.name);
  const definition = query.getFields()[name];
  if (!definition) throw new NotCompiled();
  const args = argumentsOf(definition, field, statement);
  if (name === '_entities') {
    const variable = argumentParameter(field, 'representations', parameters);
    const types = typesSelected(getNamedType(definition.type), statement);
    const representations = readRepresentations(args.representations);
    const ids = variable
      ? statement.placeholder({ variable, read: (v) => readRepresentations(v).map((r) => r.id) }, 'text[]')
      : statement.param(
          representations.map((r) => r.id),
          'text[]',
        );
    const typenames = variable
      ? statement.placeholder({ variable, read: (v) => readRepresentations(v).map((r) => r.__typename) }, 'text[]')
      : statement.param(
          representations.map((r) => r.__typename),
          'text[]',
        );
    return nodesSql(field, types, ids, typenames, true, statement);
  }
  const root = compiledOf(definition);
  if (!root) throw new NotCompiled();
  switch (root.kind) {
    case 'one': {
      const type = objectTypeOf(definition.type);
      const alias = statement.alias();
      const where = whereSql(root.model, alias, scoped(root.model, TENANT, root.where(args)), statement.whereParam(field));
      return `(SELECT ${objectJson(type, { kind: 'row', model: root.model, alias }, field.selectionSet, statement)} FROM "${root.model}" ${alias} WHERE ${where} LIMIT 1)`;
    }
    case 'page': {
      const connection = getNamedType(definition.type) as GraphQLObjectType;
      const nodeType = connectionNodeType(definition);
      checkConnectionArgs(args, nodeType.name);
      const window = pageWindow(args, root.model, root.cursor);
      const filter = scoped(root.model, TENANT, root.where(args));
      const whereOf = (alias: string) => whereSql(root.model, alias, filter, statement.whereParam(field));
      const argument = args.after != null ? 'after' : 'before';
      const variable = window.cursor && argumentParameter(field, argument, parameters);
      // A cursor variable's value at each run is read as this one was: its key's values become
      // parameters. Only a cursor this list handed out reaches here (cursorShape keys the rest apart).
      const readKey = (name: string) => (value: unknown) =>
        pageWindow({ ...args, [argument]: value }, root.model, root.cursor).cursor?.[name];
      const key =
        window.cursor && variable
          ? Object.fromEntries(Object.keys(window.cursor).map((name) => [name, new VariableValue(variable, readKey(name))]))
          : window.cursor;
      const cursor = key && scoped(root.model, TENANT, key);
      const tally = root.tally?.(args);
      const count = tally && (() => tallySql(tally, statement));
      return pageSql(
        connection,
        root.model,
        root.cursor,
        whereOf,
        { ...window, cursor, orderBy: root.orderBy(args) },
        args,
        field,
        statement,
        count,
      );
    }
    case 'nodes': {
      const types = typesSelected(getNamedType(definition.type), statement);
      const ids = root.ids(args);
      const variable = argumentParameter(field, root.list ? 'ids' : 'id', parameters);
      // A variable's value at each run goes through the declaration too: it holds the rules on ids.
      const argument = root.list ? 'ids' : 'id';
      const value = root.list
        ? variable
          ? statement.placeholder({ variable, read: (v) => readIds(root.ids({ ...args, [argument]: v })) }, 'text[]')
          : statement.param(readIds(ids), 'text[]')
        : variable
          ? statement.placeholder({ variable, read: (v) => readId(root.ids({ ...args, [argument]: v })[0]) }, 'text')
          : statement.param(readId(ids[0]), 'text');
      return nodesSql(field, types, value, undefined, root.list, statement);
    }
    default:
      throw new NotCompiled();
  }
}

export interface CompiledRead {
  sql: string;
  params: ParamSource[];
  /** Send it unprepared, so that PostgreSQL plans it with the values (a search pattern), not once for all. */
  planWithValues: boolean;
}

function compile(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  parameters: ParameterVariables,
  whereKeyed: ReadonlySet<string>,
): CompiledRead | undefined {
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  // As the executor sees them: with their defaults, an Int given for an ID as a string.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return undefined;
  const statement = new Statement(schema, fragments, coerced.coerced, whereKeyed);
  const query = schema.getQueryType();
  if (!query) return undefined;
  try {
    const pairs = fieldsOf(query, operation.selectionSet, statement).map((field): [string, string] => [
      keyOf(field),
      rootSql(query, field, statement, parameters),
    ]);
    // Only __typename: the executor answers without the database.
    if (pairs.every(([, value]) => value === nameJson(query.name))) return undefined;
    return { sql: `SELECT ${jsonObject(pairs)} AS body`, params: statement.params, planWithValues: statement.planWithValues };
  } catch {
    // Not compiled, or an argument the resolvers will refuse with their own error.
    return undefined;
  }
}

/** Statements compiled per document, by operation and what its variables make of it (`keyingOf`). */
const plans = new WeakMap<DocumentNode, Keying & { byVariables: Map<string, CompiledRead | undefined> }>();

/**
 * The statement answering `document`'s operation and its parameters ($1 account, $2 environment,
 * then the statement's own), or undefined when the resolvers must answer it. `onCompiled` is told
 * each time one is built rather than found.
 */
export function compileRead(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  tenant: Tenant,
  onCompiled?: () => void,
): { sql: string; params: unknown[]; planWithValues: boolean } | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'query') return undefined;
  let compiled = plans.get(document);
  if (!compiled) {
    compiled = { ...keyingOf(schema, document, operation), byVariables: new Map() };
    plans.set(document, compiled);
  }
  const { parameters, whereFields, whereVariables, byVariables } = compiled;
  const wheres = whereFields.size ? whereKeys(schema, operation, variables, whereFields) : undefined;
  const keyed = (name: string, value: unknown) => (wheres && whereVariables.has(name) ? null : (parameters.get(name)?.(value) ?? value));
  const key = JSON.stringify([
    operationName ?? null,
    Object.entries(variables).map(([name, value]) => [name, keyed(name, value)]),
    wheres?.keys ?? null,
  ]);
  let plan = byVariables.get(key);
  if (plan === undefined && !byVariables.has(key)) {
    plan = compile(schema, document, operation, variables, parameters, new Set(wheres ? whereFields.keys() : []));
    onCompiled?.();
    if (byVariables.size >= CAPACITY.plansPerDocument) byVariables.clear();
    byVariables.set(key, plan);
  }
  if (!plan) return undefined;
  try {
    const params = plan.params.map((param) => {
      if ('value' in param) return param.value;
      if ('variable' in param) return param.read(variables[param.variable]);
      const values = wheres?.values.get(param.where);
      if (!values || param.at >= values.length) throw new NotCompiled();
      return values[param.at];
    });
    return { sql: plan.sql, params: [tenant.accountId, tenant.env, ...params], planWithValues: plan.planWithValues };
  } catch {
    // This request's value is one the statement cannot take: the resolvers answer (and refuse) it.
    return undefined;
  }
}
