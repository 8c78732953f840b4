/**
 * What a field declares, beside its resolver, so that the compiled read can answer it in SQL.
 * Columns, relations, relation counts and variants need nothing: the compiler reads them off the
 * Pothos field and the Prisma datamodel. A computed field states its SQL here, next to the
 * resolver that is its reference; a field that declares nothing compilable is answered by its
 * resolver (the whole query then is).
 */

/** The SQL a declaration is written with: the parent's columns, the field's arguments, parameters. */
export interface SqlContext {
  /** SQL of a column (or named value) of the object the field is on. */
  column(name: string): string;
  /** The field's arguments, as the executor coerced them. */
  args: Record<string, unknown>;
  /** Adds `value` as a parameter of the statement, cast to `type`, and answers its placeholder. */
  param(value: unknown, type: string): string;
  /** A row alias not used elsewhere in the statement. */
  alias(): string;
  /** A FROM item: the parent's related rows grouped as `aggregate` says, as `alias`. */
  groupBy(aggregate: Aggregate, alias: string): string;
}

/**
 * Sums of a relation's rows grouped by some of their columns, in Prisma's terms: the loaders ask
 * Prisma's groupBy for it, the compiled read writes it in SQL.
 */
export interface Aggregate {
  /** The relation of the parent's model whose rows are grouped, e.g. "charges". */
  relation: string;
  by: string[];
  sum: string[];
  /** A Prisma where over the related model. */
  where?: Record<string, unknown>;
}

/** A sum over rows of another model that counts a list without reading it (a tally the database keeps). */
export interface Tally {
  model: string;
  where: Record<string, unknown>;
  sum: string;
}

export type CompiledField =
  /** A scalar: its SQL value (serialized as the field's GraphQL type says). */
  | { kind: 'value'; sql: (sql: SqlContext) => string }
  /**
   * An object made of named SQL values (`columns`), or of the one row of a FROM item (`from`,
   * aliased `alias`; `when` then reads its columns), or of the parent's own columns; null where
   * `when` is false.
   */
  | {
      kind: 'object';
      when?: (sql: SqlContext) => string;
      columns?: (sql: SqlContext) => Record<string, string>;
      from?: (sql: SqlContext, alias: string) => string;
    }
  /** A list of objects, each a row of the FROM item `from` (aliased `alias`), in `orderBy`. */
  | { kind: 'rows'; rows: (sql: SqlContext, alias: string) => { from: string; orderBy: string } }
  /** The caller's row of `model` whose id the parent's `column` holds, or null. */
  | { kind: 'reference'; model: string; column: string };

export type CompiledRoot =
  /** The one row of `model` that `where` finds among the caller's, or null. */
  | { kind: 'one'; model: string; where: (args: Record<string, unknown>) => Record<string, unknown> }
  /** A connection over the caller's rows of `model` that `where` finds, in `orderBy`. */
  | {
      kind: 'page';
      model: string;
      /** The unique key its cursors name a row by. */
      cursor: string;
      where: (args: Record<string, unknown>) => Record<string, unknown>;
      orderBy: (args: Record<string, unknown>) => readonly Record<string, unknown>[];
      /** Where it gives one, totalCount is this sum instead of a count of the list. */
      tally?: (args: Record<string, unknown>) => Tally | undefined;
    }
  /** Objects of any Node type by their prefixed ids, in the order asked; null for ids the caller cannot see. */
  | { kind: 'nodes'; ids: (args: Record<string, unknown>) => unknown[]; list: boolean };

export type CompiledExtensions = { compiledRead: CompiledField | CompiledRoot };

export const compiledValue = (sql: (sql: SqlContext) => string): CompiledExtensions => ({ compiledRead: { kind: 'value', sql } });

export const compiledObject = (object: Omit<Extract<CompiledField, { kind: 'object' }>, 'kind'>): CompiledExtensions => ({
  compiledRead: { kind: 'object', ...object },
});

export const compiledRows = (rows: (sql: SqlContext, alias: string) => { from: string; orderBy: string }): CompiledExtensions => ({
  compiledRead: { kind: 'rows', rows },
});

export const compiledReference = (model: string, column: string): CompiledExtensions => ({
  compiledRead: { kind: 'reference', model, column },
});

export const compiledRoot = (root: CompiledRoot): CompiledExtensions => ({ compiledRead: root });

/** What a field declares for the compiled read, if anything. */
export const declarationOf = (field: { extensions?: unknown }) =>
  (field.extensions as { compiledRead?: CompiledField | CompiledRoot } | undefined)?.compiledRead;

/**
 * Whether a field is answered from its own object's row alone: an exposed column, or a value or
 * object the row's columns make. Anything else (a relation, a list, an aggregate) reads more.
 */
export function readsOnlyItsRow(field: { extensions?: unknown }): boolean {
  if ((field.extensions as { pothosExposedField?: string } | undefined)?.pothosExposedField) return true;
  const declared = declarationOf(field);
  return declared?.kind === 'value' || (declared?.kind === 'object' && !declared.from);
}

/** How a GraphQL scalar's value is written into JSON by SQL; put in the scalar's extensions. */
export type CompiledScalar = { compiledRead: { serialize: (value: string) => string } };

export const compiledScalar = (serialize: (value: string) => string): CompiledScalar => ({ compiledRead: { serialize } });
