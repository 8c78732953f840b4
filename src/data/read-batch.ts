import { getDatamodel } from '../generated/pothos-types.ts';
import type { Database } from './database.ts';

const models = getDatamodel().datamodel.models;
export type ModelName = keyof typeof models & string;

/**
 * How a row of a model travels as JSON: its BigInt columns as exact decimal text (r being the
 * row's alias), its timestamps without their zone; `decode` turns it back into what Prisma returns.
 */
function jsonCodec(model: ModelName) {
  const scalars = models[model].fields.filter((field) => field.kind === 'scalar');
  const bigints = scalars.filter((field) => field.type === 'BigInt').map((field) => field.name);
  const timestamps = scalars.filter((field) => field.type === 'DateTime').map((field) => field.name);
  return {
    rowAsJson: bigints.length
      ? `to_jsonb(r) || jsonb_build_object(${bigints.map((name) => `'${name}', r."${name}"::text`).join(', ')})`
      : 'to_jsonb(r)',
    decode(row: Record<string, unknown>): Record<string, unknown> {
      for (const name of bigints) if (row[name] != null) row[name] = BigInt(row[name] as string);
      // Columns are timestamp(3) without time zone, holding UTC as Prisma writes it.
      for (const name of timestamps) if (row[name] != null) row[name] = new Date(`${row[name]}Z`);
      return row;
    },
  };
}

const codecs = Object.fromEntries(Object.keys(models).map((model) => [model, jsonCodec(model as ModelName)])) as Record<
  ModelName,
  ReturnType<typeof jsonCodec>
>;

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
      const element = read.model ? codecs[read.model].rowAsJson : 'to_jsonb(r)';
      const order = read.orderBy ? ` ORDER BY ${read.orderBy}` : '';
      return `(SELECT coalesce(json_agg(${element}${order}), '[]'::json) FROM (${sql}) r) AS "${index}"`;
    });
    try {
      const [row] = await db.read<Record<string, Record<string, unknown>[]>>(`SELECT ${columns.join(',\n')}`, params);
      reads.forEach((read, index) => {
        const rows = row[String(index)];
        read.resolve(read.model ? rows.map(codecs[read.model].decode) : rows);
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
