import { Prisma } from '../generated/prisma/client.ts';
import { modelFields } from './datamodel.ts';

/** PostgreSQL types of Prisma's scalar types, as the migrations create their columns. */
const COLUMN_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Boolean: 'boolean',
  DateTime: 'timestamp(3)',
  Json: 'jsonb',
};

/** A value as a statement parameter: instants as UTC text (the columns hold UTC without a zone), JSON as text. */
function parameter(type: string, value: unknown): unknown {
  if (value === null || value === Prisma.DbNull || value === Prisma.JsonNull) return null;
  if (type === 'Json') return JSON.stringify(value);
  if (type === 'DateTime') return (value as Date).toISOString();
  if (type === 'BigInt') return String(value);
  return value;
}

/**
 * `INSERT INTO "model" (…) VALUES (…)` of one row as Prisma would write it (columns left out take
 * their defaults), each value cast to its column's type from schema.prisma: for a write that must
 * be one statement with others (a row and its event), where Prisma would send several.
 */
export function insertSql(model: string, row: Record<string, unknown>): Prisma.Sql {
  const fields = new Map(modelFields(model).map((field) => [field.name, field]));
  const columns: Prisma.Sql[] = [];
  const values: Prisma.Sql[] = [];
  for (const [name, value] of Object.entries(row)) {
    if (value === undefined) continue;
    const field = fields.get(name);
    if (!field || field.kind === 'object') throw new Error(`${model}.${name} is not a column`);
    const type = `${field.kind === 'enum' ? `"${field.type}"` : COLUMN_TYPES[field.type]}${field.isList ? '[]' : ''}`;
    columns.push(Prisma.raw(`"${name}"`));
    values.push(Prisma.sql`${parameter(field.type, value)}::${Prisma.raw(type)}`);
  }
  return Prisma.sql`INSERT INTO ${Prisma.raw(`"${model}"`)} (${Prisma.join(columns)}) VALUES (${Prisma.join(values)})`;
}
