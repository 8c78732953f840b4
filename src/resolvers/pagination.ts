import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { fitsTimestamp } from '../data/column-ranges.ts';
import { isStorableText } from '../http/request-input.ts';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A page request in the list's own order ("forward") or against it ("backward"). */
export interface PageRequest {
  backward: boolean;
  limit: number;
  cursor?: string;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when a client selects `totalCount`. */
  totalCount: () => Promise<number>;
}

export function badArgument(argument: string, message: string): GraphQLError {
  return new GraphQLError(`Argument "${argument}": ${message}`, {
    extensions: { code: 'BAD_USER_INPUT', argument },
  });
}

export function pageRequest(args: PageArgs): PageRequest {
  if (args.first != null && args.last != null) {
    throw badArgument('last', 'cannot be combined with "first"; page forward with first/after or backward with last/before');
  }
  if (args.after != null && args.before != null) {
    throw badArgument('before', 'cannot be combined with "after"');
  }
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw badArgument(name, `must be between 0 and ${MAX_PAGE_SIZE}, got ${value}`);
    }
  }
  const backward = args.last != null || (args.before != null && args.first == null);
  if (backward && args.after != null) throw badArgument('after', 'cannot be combined with "last"');
  if (!backward && args.before != null) throw badArgument('before', 'cannot be combined with "first"');
  return {
    backward,
    limit: (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE,
    cursor: (backward ? args.before : args.after) ?? undefined,
  };
}

/**
 * Cursors are opaque to clients but carry the sort key of their row, and a fingerprint of the
 * list they came from, so a cursor used with another filter or order is refused, not misread.
 */
export function encodeCursor(listKey: string, sortKey: unknown[]): string {
  return Buffer.from(JSON.stringify({ l: fingerprint(listKey), k: sortKey })).toString('base64url');
}

/** What a sort key value of a cursor may be: an instant as toISOString writes it, or text. */
export type SortValueKind = 'instant' | 'text' | 'text or null';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function isOfKind(value: unknown, kind: SortValueKind): boolean {
  if (kind === 'instant') return typeof value === 'string' && ISO_INSTANT.test(value) && fitsTimestamp(new Date(value));
  return (typeof value === 'string' && isStorableText(value)) || (kind === 'text or null' && value === null);
}

/**
 * The sort key a cursor carries. Anyone can write a cursor, so its values are checked against
 * `kinds` before they reach SQL: a made-up one is a wrong argument, not a failed statement.
 */
export function decodeCursor(listKey: string, cursor: string, argument: string, kinds: SortValueKind[]): unknown[] {
  const notOurs = () => badArgument(argument, 'is not a cursor returned by this list');
  let parsed: { l?: unknown; k?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notOurs();
  }
  if (!parsed || !Array.isArray(parsed.k)) throw notOurs();
  if (parsed.l !== fingerprint(listKey)) {
    throw badArgument(argument, 'was returned for a different list, filter or orderBy; start again without a cursor');
  }
  const key = parsed.k;
  if (key.length !== kinds.length || !kinds.every((kind, i) => isOfKind(key[i], kind))) throw notOurs();
  return key;
}

// Every edge of a page carries the same fingerprint: hashing once per list, not once per edge,
// saves a sha256 for each of the ~600 cursors of a customers page with its nested connections.
const fingerprints = new Map<string, string>();
const MAX_FINGERPRINTS = 1000;

/** The fingerprint of a list that its cursors carry (`l`). */
export function fingerprint(listKey: string): string {
  let value = fingerprints.get(listKey);
  if (value === undefined) {
    value = createHash('sha256').update(listKey).digest('base64url').slice(0, 12);
    // List keys carry client filters, so there is no bound on how many a process sees.
    if (fingerprints.size >= MAX_FINGERPRINTS) fingerprints.clear();
    fingerprints.set(listKey, value);
  }
  return value;
}

/**
 * Turns rows fetched with limit + 1 (in the direction of travel) into a Relay page.
 * `rows` are in the direction of travel; the page is always in the list's order.
 */
export function toPage<T>(rows: T[], request: PageRequest, cursorOf: (row: T) => string, totalCount: () => Promise<number>): Page<T> {
  const hasMore = rows.length > request.limit;
  const pageRows = rows.slice(0, request.limit);
  if (request.backward) pageRows.reverse();
  const edges = pageRows.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: request.backward ? request.cursor !== undefined : hasMore,
      hasPreviousPage: request.backward ? hasMore : request.cursor !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}
