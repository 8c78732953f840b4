import type { Database } from './db.ts';
import { getDatamodel } from './generated/pothos-types.ts';

const models = getDatamodel().datamodel.models;
export type ModelName = keyof typeof models & string;

/** Columns that JSON cannot carry as they are: BigInt goes as text, a timestamp without its zone. */
function awkwardColumns(model: ModelName) {
  const scalars = models[model].fields.filter((field) => field.kind === 'scalar');
  return {
    bigints: scalars.filter((field) => field.type === 'BigInt').map((field) => field.name),
    timestamps: scalars.filter((field) => field.type === 'DateTime').map((field) => field.name),
  };
}

const columnsByModel = new Map<ModelName, ReturnType<typeof awkwardColumns>>();
function columnsOf(model: ModelName) {
  let columns = columnsByModel.get(model);
  if (!columns) columnsByModel.set(model, (columns = awkwardColumns(model)));
  return columns;
}

/** A row of `model` (aliased r) as JSON, with its BigInt columns as exact decimal text. */
function rowAsJson(model: ModelName): string {
  const { bigints } = columnsOf(model);
  if (bigints.length === 0) return 'to_jsonb(r)';
  return `to_jsonb(r) || jsonb_build_object(${bigints.map((name) => `'${name}', r."${name}"::text`).join(', ')})`;
}

/** Turns a row read as JSON back into what Prisma returns for the model: Date and bigint values. */
function decodeRow(model: ModelName, row: Record<string, unknown>): Record<string, unknown> {
  const { bigints, timestamps } = columnsOf(model);
  for (const name of bigints) if (row[name] != null) row[name] = BigInt(row[name] as string);
  // Columns are timestamp(3) without time zone, holding UTC as Prisma writes it.
  for (const name of timestamps) if (row[name] != null) row[name] = new Date(`${row[name]}Z`);
  return row;
}

export interface Read {
  /** A SELECT whose placeholders are its own `$1…$n`. */
  sql: string;
  params: unknown[];
  /** Rows of this model come back as Prisma returns them; without it, each row as its JSON object. */
  model?: ModelName;
  /** ORDER BY of the rows (columns of the alias r): the order of a subquery does not carry through an aggregate. */
  orderBy?: string;
}

interface PendingRead extends Read {
  resolve: (rows: Record<string, unknown>[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends the reads that a request's DataLoaders dispatch in one turn of the event loop as one SQL
 * statement, each read a JSON array column of it. GraphQL resolves a selection level by level, and
 * every relation of a level dispatches in the same turn: a level costs one round trip to the
 * database, whatever the number of relations and parents in it.
 */
export function createReadBatch(db: Pick<Database, 'read'>) {
  let pending: PendingRead[] = [];

  async function flush() {
    const reads = pending;
    pending = [];
    const params: unknown[] = [];
    const columns = reads.map((read, index) => {
      const offset = params.length;
      params.push(...read.params);
      const sql = read.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
      const element = read.model ? rowAsJson(read.model) : 'to_jsonb(r)';
      const order = read.orderBy ? ` ORDER BY ${read.orderBy}` : '';
      return `(SELECT coalesce(json_agg(${element}${order}), '[]'::json) FROM (${sql}) r) AS "${index}"`;
    });
    try {
      const [row] = await db.read<Record<string, Record<string, unknown>[]>>(`SELECT ${columns.join(',\n')}`, params);
      reads.forEach((read, index) => {
        const rows = row[String(index)];
        read.resolve(read.model ? rows.map((r) => decodeRow(read.model!, r)) : rows);
      });
    } catch (error) {
      for (const read of reads) read.reject(error);
    }
  }

  return {
    read<Row>(read: Read): Promise<Row[]> {
      return new Promise((resolve, reject) => {
        // setImmediate runs after the process.nextTick in which DataLoader dispatches its batches.
        if (pending.length === 0) setImmediate(flush);
        pending.push({ ...read, resolve: resolve as PendingRead['resolve'], reject });
      });
    },
  };
}
