import { getDatamodel } from '../generated/pothos-types.ts';

/** The Prisma datamodel as the generator wrote it: models, their fields and relations. */
const { models } = getDatamodel().datamodel;

export type ModelName = keyof typeof models & string;

export interface ModelField {
  name: string;
  kind: string;
  type: string;
  isList: boolean;
  isRequired: boolean;
  relationName?: string;
  relationFromFields?: readonly string[];
}

export function modelFields(model: string): readonly ModelField[] {
  const found = models[model as ModelName];
  if (!found) throw new Error(`No model ${model} in schema.prisma`);
  return found.fields as readonly ModelField[];
}

export function modelField(model: string, name: string): ModelField | undefined {
  return modelFields(model).find((field) => field.name === name);
}

/** The primary key column: every model that rows are read from has a single `@id`. */
export function idField(model: string): string {
  const id = modelFields(model).find((field) => (field as { isId?: boolean }).isId);
  if (!id) throw new Error(`Model ${model} has no single-column @id`);
  return id.name;
}

/** A relation of a model: the related model, and the columns that join a parent row to its related rows. */
export interface Relation {
  model: string;
  isList: boolean;
  /** Pairs of [parent column, related column] that must be equal. */
  join: [string, string][];
}

/**
 * A relation field resolved against the datamodel. A to-one relation holds its foreign key
 * (`relationFromFields`); a list relation is the other side's foreign key. Foreign keys reference
 * the related model's `@id`, as every relation of schema.prisma does.
 */
export function relationOf(model: string, name: string): Relation {
  const field = modelField(model, name);
  if (!field?.relationName) throw new Error(`${model}.${name} is not a relation`);
  const from = field.relationFromFields ?? [];
  if (from.length) return { model: field.type, isList: field.isList, join: from.map((column) => [column, idField(field.type)]) };
  const back = modelFields(field.type).find(
    (other) => other.relationName === field.relationName && (other.relationFromFields?.length ?? 0) > 0,
  );
  if (!back?.relationFromFields) throw new Error(`No foreign key for ${model}.${name}`);
  return { model: field.type, isList: field.isList, join: back.relationFromFields.map((column) => [idField(model), column]) };
}

/** The columns of a unique key as Prisma names it: a unique column, or `a_b_c` for @@unique([a, b, c]). */
export function uniqueFields(model: string, key: string): string[] {
  if (modelField(model, key)) return [key];
  const found = models[model as ModelName]?.uniqueIndexes.find((index) => (index.name ?? index.fields.join('_')) === key);
  if (!found) throw new Error(`${model} has no unique key ${key}`);
  return [...found.fields];
}
