import { modelField, relationOf, uniqueFields } from '../datamodel.ts';
import type { Tenant } from '../tenant.ts';

/**
 * Prisma's where and orderBy values, as the schema's relations and root reads write them, in SQL
 * over a row alias: the compiled read derives its conditions and orders from them instead of
 * holding its own. Only what the project uses is translated; anything else throws NotCompiled and
 * the resolvers answer.
 */
export class NotCompiled extends Error {}

/** A value already in SQL (the statement's tenant parameters), passed through a where as it is. */
export class SqlValue {
  constructor(readonly sql: string) {}
}

/** The caller's account and environment, $1 and $2 of every statement. */
export const TENANT: Tenant = {
  accountId: new SqlValue('$1') as unknown as string,
  env: new SqlValue('$2::"Environment"') as unknown as Tenant['env'],
};

/** A value known only when the statement runs (a cursor's key): `read` takes it from the variable's value each time. */
export class VariableValue {
  constructor(
    readonly variable: string,
    readonly read: (value: unknown) => unknown,
  ) {}
}

/**
 * Adds a value (or a VariableValue) as a statement parameter and answers its placeholder.
 * `planWithValue` asks for the statement to be planned with this value rather than once for any:
 * a pattern decides whether an index serves it.
 */
export type Param = (value: unknown, type: string, options?: { planWithValue?: boolean }) => string;

type Where = Record<string, unknown>;

/** The PostgreSQL type a parameter compared with a column of this Prisma type is cast to. */
function columnType(model: string, column: string): string {
  const field = modelField(model, column);
  if (!field || field.kind === 'object') throw new NotCompiled();
  if (field.kind === 'enum') return `"${field.type}"`;
  const types: Record<string, string> = {
    String: 'text',
    Int: 'int',
    BigInt: 'bigint',
    Boolean: 'boolean',
    DateTime: 'timestamp(3)',
    Json: 'jsonb',
    Float: 'float8',
  };
  const type = types[field.type];
  if (!type) throw new NotCompiled();
  return field.isList ? `${type}[]` : type;
}

function valueSql(value: unknown, type: string, param: Param): string {
  if (value instanceof SqlValue) return value.sql;
  if (value instanceof VariableValue) return param(new VariableValue(value.variable, (v) => parameterOf(value.read(v))), type);
  return param(parameterOf(value), type);
}

// Columns are timestamp(3) without time zone holding UTC, as Prisma writes them.
const parameterOf = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

const COMPARISONS: Record<string, string> = { equals: '=', lt: '<', lte: '<=', gt: '>', gte: '>=' };

function scalarSql(model: string, name: string, column: string, filter: unknown, param: Param): string {
  const type = columnType(model, name);
  if (filter === null) return `${column} IS NULL`;
  if (typeof filter !== 'object' || filter instanceof Date || filter instanceof SqlValue || filter instanceof VariableValue) {
    return `${column} = ${valueSql(filter, type, param)}`;
  }
  const parts: string[] = [];
  const operators = filter as Record<string, unknown>;
  const insensitive = operators.mode === 'insensitive';
  for (const [operator, operand] of Object.entries(operators)) {
    if (operator === 'mode') continue;
    if (operator in COMPARISONS) {
      parts.push(operand === null ? `${column} IS NULL` : `${column} ${COMPARISONS[operator]} ${valueSql(operand, type, param)}`);
    } else if (operator === 'not') {
      parts.push(operand === null ? `${column} IS NOT NULL` : `NOT (${scalarSql(model, name, column, operand, param)})`);
    } else if (operator === 'in') {
      parts.push(`${column} = ANY(${param(operand, `${type}[]`)})`);
    } else if (operator === 'contains' || operator === 'startsWith' || operator === 'endsWith') {
      // As Prisma writes it: the operand is not escaped, its own % and _ stay wildcards.
      // The trigram indexes serve a pattern only when PostgreSQL plans the statement knowing it.
      const text = param(operand, 'text', { planWithValue: true });
      const pattern = operator === 'contains' ? `'%' || ${text} || '%'` : operator === 'startsWith' ? `${text} || '%'` : `'%' || ${text}`;
      parts.push(`${column} ${insensitive ? 'ILIKE' : 'LIKE'} (${pattern})`);
    } else if (operator === 'path' && type === 'jsonb') {
      const path = operand as string[];
      const { equals } = operators as { equals?: unknown };
      if (!Array.isArray(path) || equals === undefined) throw new NotCompiled();
      parts.push(`(${column} #> ${param(path, 'text[]')}) = ${param(JSON.stringify(equals), 'jsonb')}`);
      break;
    } else {
      throw new NotCompiled();
    }
  }
  return parts.length ? parts.join(' AND ') : 'true';
}

/** SQL of a Prisma where of `model`, over the row alias `alias`. */
export function whereSql(model: string, alias: string, where: Where | undefined, param: Param): string {
  if (!where) return 'true';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    if (key === 'AND' || key === 'OR' || key === 'NOT') {
      const list = (Array.isArray(value) ? value : [value]) as Where[];
      const each = list.map((item) => `(${whereSql(model, alias, item, param)})`);
      if (key === 'AND') parts.push(each.length ? each.join(' AND ') : 'true');
      else if (key === 'OR') parts.push(each.length ? `(${each.join(' OR ')})` : 'false');
      else parts.push(each.length ? `NOT (${each.join(' OR ')})` : 'true');
      continue;
    }
    const field = modelField(model, key);
    if (!field) {
      // A compound unique key (customerId_createdAt_id): each of its columns equal.
      const columns = tryUniqueFields(model, key);
      if (!columns || typeof value !== 'object' || value === null) throw new NotCompiled();
      parts.push(whereSql(model, alias, Object.fromEntries(columns.map((column) => [column, (value as Where)[column]])), param));
      continue;
    }
    if (field.kind === 'object') {
      if (field.isList) throw new NotCompiled();
      const relation = relationOf(model, key);
      const inner = (value as Where).is !== undefined ? ((value as Where).is as Where) : (value as Where);
      const related = `${alias}_${key}`;
      const join = relation.join.map(([mine, theirs]) => `${related}."${theirs}" = ${alias}."${mine}"`).join(' AND ');
      parts.push(
        `EXISTS (SELECT 1 FROM "${relation.model}" ${related} WHERE ${join} AND ${whereSql(relation.model, related, inner, param)})`,
      );
      continue;
    }
    parts.push(scalarSql(model, key, `${alias}."${key}"`, value, param));
  }
  return parts.length ? parts.join(' AND ') : 'true';
}

function tryUniqueFields(model: string, key: string): string[] | undefined {
  try {
    return uniqueFields(model, key);
  } catch {
    return undefined;
  }
}

/** One key of an order: a column, its direction, and where its nulls go. */
export interface OrderKey {
  column: string;
  descending: boolean;
  nullsFirst: boolean;
  nullable: boolean;
}

/** A Prisma orderBy of `model` as keys; `reverse` turns it around, as Prisma does to read backward. */
export function orderKeys(
  model: string,
  orderBy: readonly Record<string, unknown>[] | Record<string, unknown>,
  reverse = false,
): OrderKey[] {
  const list = Array.isArray(orderBy) ? orderBy : [orderBy];
  return list.flatMap((item: Record<string, unknown>) =>
    Object.entries(item).map(([column, spec]) => {
      const field = modelField(model, column);
      if (!field || field.kind === 'object') throw new NotCompiled();
      const { sort, nulls } = typeof spec === 'string' ? { sort: spec, nulls: undefined } : (spec as { sort: string; nulls?: string });
      const descending = sort === 'desc';
      // PostgreSQL's default: nulls sort as larger than any value.
      const nullsFirst = nulls === undefined ? descending : nulls === 'first';
      return {
        column,
        descending: descending !== reverse,
        nullsFirst: nullsFirst !== reverse,
        nullable: !field.isRequired,
      };
    }),
  );
}

export function orderSql(alias: string, keys: OrderKey[]): string {
  return keys
    .map(({ column, descending, nullsFirst, nullable }) => {
      const nulls = nullable && nullsFirst !== descending ? (nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : '';
      return `${alias}."${column}" ${descending ? 'DESC' : 'ASC'}${nulls}`;
    })
    .join(', ');
}

/**
 * Rows at or after the cursor's row in the order of `keys`, as Prisma's cursor reads them: the
 * cursor row's values are looked up by its `where` (a unique where; in a relation, among the
 * parent's related rows, `within`), and a row missing makes every comparison unknown, so nothing
 * is read.
 */
export function cursorSql(
  model: string,
  alias: string,
  keys: OrderKey[],
  cursor: Where,
  param: Param,
  within?: (row: string) => string,
): string {
  const source = `${alias}_cursor`;
  const found = `${whereSql(model, source, cursor, param)}${within ? ` AND ${within(source)}` : ''}`;
  const lookUp = (column: string) => `(SELECT ${source}."${column}" FROM "${model}" ${source} WHERE ${found})`;
  const sameDirection = keys.every((key) => key.descending === keys[0].descending);
  if (sameDirection && keys.every((key) => !key.nullable)) {
    // A row comparison: an index on these columns starts its scan at the cursor.
    const columns = keys.map((key) => `${alias}."${key.column}"`).join(', ');
    const values = keys.map((key) => `${source}."${key.column}"`).join(', ');
    return `(${columns}) ${keys[0].descending ? '<=' : '>='} (SELECT ${values} FROM "${model}" ${source} WHERE ${found})`;
  }
  const after = (key: OrderKey, value: string) => {
    const column = `${alias}."${key.column}"`;
    const beyond = `${column} ${key.descending ? '<' : '>'} ${value}`;
    if (!key.nullable) return beyond;
    return key.nullsFirst
      ? `(${value} IS NULL AND ${column} IS NOT NULL OR ${beyond})`
      : `(${value} IS NOT NULL AND (${beyond} OR ${column} IS NULL))`;
  };
  const equal = (key: OrderKey, value: string) =>
    key.nullable ? `${alias}."${key.column}" IS NOT DISTINCT FROM ${value}` : `${alias}."${key.column}" = ${value}`;
  const values = keys.map((key) => lookUp(key.column));
  const branches = keys.map((key, i) => [...keys.slice(0, i).map((k, j) => equal(k, values[j])), after(key, values[i])].join(' AND '));
  branches.push(keys.map((key, i) => equal(key, values[i])).join(' AND '));
  // The cursor row must exist, as in Prisma, where a missing row leaves every comparison unknown.
  return `(EXISTS (SELECT 1 FROM "${model}" ${source} WHERE ${found}) AND (${branches.map((b) => `(${b})`).join(' OR ')}))`;
}
