import { METADATA_LIMITS } from '../config/limits.ts';
import { fitsTimestamp, INSTANT_RANGE_TEXT } from '../data/column-ranges.ts';
import { type CustomerSortField, customerOrder, type SortDirection } from '../data/ordering.ts';
import { foldEmail } from '../domain/email.ts';
import { badArgument } from '../domain/errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';

export interface CustomerFilter {
  email?: string | null;
  search?: string | null;
  createdAt?: { gt?: Date | null; gte?: Date | null; lt?: Date | null; lte?: Date | null } | null;
  metadata?: { key: string; value: string }[] | null;
  includeDeleted?: boolean | null;
}

export interface CustomerOrder {
  field: CustomerSortField;
  direction: SortDirection;
}

/**
 * Refuses a filter whose values no column could take (an instant outside timestamp(3)) or that
 * could never match (more metadata conditions than a customer has keys, a key or value longer
 * than metadata holds), naming the argument.
 */
function checkFilter(filter: CustomerFilter) {
  for (const [bound, value] of Object.entries(filter.createdAt ?? {})) {
    if (value && !fitsTimestamp(value)) throw badArgument(`filter.createdAt.${bound}`, `must be ${INSTANT_RANGE_TEXT}`);
  }
  const metadata = filter.metadata ?? [];
  if (metadata.length > METADATA_LIMITS.keys) {
    throw badArgument(
      'filter.metadata',
      `at most ${METADATA_LIMITS.keys} conditions (a customer has at most ${METADATA_LIMITS.keys} keys), got ${metadata.length}`,
    );
  }
  for (const [i, { key, value }] of metadata.entries()) {
    if (key.length > METADATA_LIMITS.keyLength) {
      throw badArgument(`filter.metadata.${i}.key`, `metadata keys are at most ${METADATA_LIMITS.keyLength} characters, got ${key.length}`);
    }
    if (value.length > METADATA_LIMITS.valueLength) {
      throw badArgument(
        `filter.metadata.${i}.value`,
        `metadata values are at most ${METADATA_LIMITS.valueLength} characters, got ${value.length}`,
      );
    }
  }
}

/** `text` for Prisma's `contains`, which passes % and _ on as wildcards: matched literally. */
const literally = (text: string) => text.replace(/[\\%_]/g, '\\$&');

const SEARCHED = ['name', 'email', 'externalId', 'companyName'] as const;

/** The customers a filter keeps, as a Prisma where (the caller's scope is added by the read). */
export function customerWhere(filter: CustomerFilter | null | undefined): Prisma.CustomerWhereInput {
  const f = filter ?? {};
  checkFilter(f);
  const where: Prisma.CustomerWhereInput = {};
  if (!f.includeDeleted) where.deletedAt = null;
  if (f.email != null) where.emailFolded = foldEmail(f.email);
  if (f.search) where.OR = SEARCHED.map((column) => ({ [column]: { contains: literally(f.search as string), mode: 'insensitive' } }));
  if (f.createdAt && Object.values(f.createdAt).some((bound) => bound != null)) {
    const { gt, gte, lt, lte } = f.createdAt;
    where.createdAt = Object.fromEntries(Object.entries({ gt, gte, lt, lte }).filter(([, value]) => value != null));
  }
  if (f.metadata?.length) where.AND = f.metadata.map(({ key, value }) => ({ metadata: { path: [key], equals: value } }));
  return where;
}

export function customerListOrder(order: CustomerOrder | null | undefined) {
  return customerOrder(order?.field ?? 'createdAt', order?.direction ?? 'desc');
}

/**
 * An unfiltered list is counted from the tally the database keeps per account and environment
 * (CustomerTally, kept by a trigger), not by reading every customer; a filtered one is counted.
 */
export function customerTally(filter: CustomerFilter | null | undefined) {
  const { includeDeleted, ...conditions } = filter ?? {};
  if (Object.values(conditions).some((condition) => condition != null)) return undefined;
  return { model: 'CustomerTally', where: {}, sum: includeDeleted ? 'all' : 'live' };
}
