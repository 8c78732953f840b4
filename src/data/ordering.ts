/**
 * Every order a list is read in, as Prisma orderBy values: the Pothos relations pass them to
 * Prisma, and the compiled read translates the same values into SQL. Each ends on the id, so rows
 * that tie on the first key still come in one fixed order and cursors find their place.
 */
export const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/** Feature balances: alphabetically by feature. */
export const BY_FEATURE = [{ featureId: 'asc' as const }, { id: 'asc' as const }];

/** Where a customer could hold two rows of one kind, the first one made answers. */
export const OLDEST_FIRST = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

export type SortDirection = 'asc' | 'desc';

/** The customer columns a list can be sorted by. */
export const CUSTOMER_SORT_FIELDS = ['createdAt', 'updatedAt', 'name', 'email'] as const;
export type CustomerSortField = (typeof CUSTOMER_SORT_FIELDS)[number];

const NULLABLE_SORT_FIELDS = new Set<CustomerSortField>(['name', 'email']);

/** A customers list sorted by `field`: customers without a name or email come last either way. */
export function customerOrder(field: CustomerSortField, direction: SortDirection) {
  const first = NULLABLE_SORT_FIELDS.has(field) ? { [field]: { sort: direction, nulls: 'last' as const } } : { [field]: direction };
  return [first, { id: direction }];
}
