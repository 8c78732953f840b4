import { formatPrismaCursor, parsePrismaCursor } from '@pothos/plugin-prisma';
import { PAGE_SIZE } from '../config/limits.ts';
import { badArgument } from '../domain/errors.ts';
import { graphqlTypeOfId } from '../domain/ids.ts';
import { fitsTimestamp } from './column-ranges.ts';
import { modelField, uniqueFields } from './datamodel.ts';

/**
 * Connections page the way plugin-prisma's `t.prismaConnection` and `t.relatedConnection` do: a
 * cursor names the row it follows by a unique key, in plugin-prisma's own text (base64 of "GPC:"
 * and the key's tagged values), and Prisma reads on from that row in the list's order. This file
 * holds the keys, the codec and its SQL form, the argument rules, the window of rows a page reads,
 * and pageInfo's SQL form.
 */

/** The key a customers page's cursor names its customer by. */
export const CUSTOMER_CURSOR = 'id';

/**
 * The key a cursor of a customer's invoices, charges or events names its row by: the customer is
 * in it, so a cursor of another customer's list is refused rather than read as a position.
 */
export const CHILD_CURSOR = 'customerId_createdAt_id';

export function encodeCursor(model: string, key: string, row: Record<string, unknown>): string {
  const fields = uniqueFields(model, key);
  return fields.length === 1 ? formatPrismaCursor(row, fields[0]) : formatPrismaCursor(row, fields);
}

/** The values a cursor carries (one value, or a tuple), or undefined for text that is no cursor. */
export function decodeCursor(cursor: string): unknown {
  try {
    return parsePrismaCursor(cursor);
  } catch {
    return undefined;
  }
}

// Markers that neither JSON nor base64 escape, and that no id holds.
const TEXT_MARKER = '\uE000';
const INSTANT_MARKER = new Date(1_111_111_111_111);

/**
 * The cursor of a row of `model` by `key`, in SQL: encodeCursor run by PostgreSQL, `column` giving
 * the SQL of each column. The text between the values is read off encodeCursor itself, run on
 * marker values, so the two cannot drift apart. The values are written as they are, which holds
 * for what cursor keys are made of: ids (letters, digits, _) and instants.
 */
export function cursorSql(model: string, key: string, column: (name: string) => string): string {
  const fields = uniqueFields(model, key);
  const markers = Object.fromEntries(
    fields.map((name) => [name, modelField(model, name)?.type === 'DateTime' ? INSTANT_MARKER : TEXT_MARKER]),
  );
  const template = Buffer.from(encodeCursor(model, key, markers), 'base64').toString('utf8');
  const parts: string[] = [];
  let rest = template;
  for (const name of fields) {
    const marker = markers[name] === INSTANT_MARKER ? String(INSTANT_MARKER.getTime()) : TEXT_MARKER;
    const at = rest.indexOf(marker);
    parts.push(literal(rest.slice(0, at)));
    // A chunk of an instant is its milliseconds since 1970.
    parts.push(markers[name] === INSTANT_MARKER ? `(extract(epoch from ${column(name)}) * 1000)::bigint::text` : column(name));
    rest = rest.slice(at + marker.length);
  }
  parts.push(literal(rest));
  const text = parts.filter((part) => part !== "''").join(' || ');
  // PostgreSQL's base64 breaks lines every 76 characters; Node's does not.
  return `translate(encode(convert_to(${text}, 'UTF8'), 'base64'), E'\\n', '')`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/**
 * Refuses, naming the argument, what plugin-prisma would otherwise cap silently or misread: a page
 * size outside 0 to PAGE_SIZE.max, arguments paging both ways, and a cursor that this list of
 * `nodeType` objects did not hand out. `owner` says whose list it is: undefined for a root list
 * (its cursors name a row by id), the parent's id for an object's list (its cursors carry it), or
 * null for an object's list while the parent is not known yet (as plugin-prisma plans the read).
 */
export function checkConnectionArgs(args: ConnectionArgs, nodeType: string, owner?: string | null): void {
  if (args.first != null && args.last != null) {
    throw badArgument('last', 'cannot be combined with "first"; page forward with first/after or backward with last/before');
  }
  if (args.after != null && args.before != null) throw badArgument('before', 'cannot be combined with "after"');
  if (args.before != null && args.first != null) throw badArgument('before', 'cannot be combined with "first"');
  if (args.after != null && args.last != null) throw badArgument('after', 'cannot be combined with "last"');
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > PAGE_SIZE.max)) {
      throw badArgument(name, `must be between 0 and ${PAGE_SIZE.max}, got ${value}`);
    }
  }
  for (const name of ['after', 'before'] as const) {
    const cursor = args[name];
    if (cursor == null) continue;
    const values = decodeCursor(cursor);
    const id = Array.isArray(values) ? values.at(-1) : values;
    const key =
      owner === undefined
        ? !Array.isArray(values)
        : Array.isArray(values) && values.length === 3 && typeof values[0] === 'string' && (owner === null || values[0] === owner);
    // What a cursor carries reaches SQL: an instant the column cannot hold would fail the statement.
    const instant = !Array.isArray(values) || (values[1] instanceof Date && fitsTimestamp(values[1]));
    if (!key || !instant || typeof id !== 'string' || graphqlTypeOfId(id) !== nodeType)
      throw badArgument(name, 'is not a cursor of this list');
  }
}

/** The rows a page reads, as Prisma's findMany arguments, the way plugin-prisma's connections compute them. */
export interface PageWindow {
  /** Rows to read, one more than the page to tell whether there is more; negative reads backward from the cursor. */
  take: number;
  /** 1 with a cursor: Prisma reads from the cursor's row on, and the page starts after it. */
  skip: number;
  cursor?: Record<string, unknown>;
}

/** The window of a page of `model`, its cursor naming rows by `key`. */
export function pageWindow(args: ConnectionArgs, model: string, key: string): PageWindow {
  const size = Math.min(args.first ?? args.last ?? PAGE_SIZE.default, PAGE_SIZE.max);
  const backward = args.before != null || args.last != null;
  const take = backward ? -(size + 1) : size + 1;
  const cursor = args.after ?? args.before;
  if (cursor == null) return { take, skip: 0 };
  const fields = uniqueFields(model, key);
  const values = decodeCursor(cursor);
  const list = fields.length === 1 ? [values] : (values as unknown[]);
  return { take, skip: 1, cursor: Object.fromEntries(fields.map((name, i) => [name, list[i]])) };
}

/**
 * pageInfo in SQL, as plugin-prisma's wrapConnectionResult computes it, given `rows` (the count of
 * rows read, at most |take|) and the page's first and last cursors.
 */
export function pageInfoSql(args: ConnectionArgs, take: number, rows: string, cursors: { start: string; end: string }) {
  const full = `(${rows} = ${Math.abs(take)})`;
  const backward = args.before != null || args.last != null;
  return {
    hasNextPage: args.before != null ? 'true' : args.last != null ? 'false' : full,
    hasPreviousPage: args.after != null ? 'true' : backward ? full : 'false',
    startCursor: cursors.start,
    endCursor: cursors.end,
  };
}
