import type { Context } from '../context.ts';
import { type Customer, Prisma } from '../generated/prisma/client.ts';
import { newId } from '../ids.ts';
import { checkCustomerFields, type CustomerFieldsInput, mergeMetadata } from './customer-input.ts';
import { type UserError, UserErrors, userError } from './errors.ts';
import { createOnce } from './idempotency.ts';
import { decodeCursor, encodeCursor, type Page, type PageArgs, pageRequest, toPage } from './pagination.ts';

export type CustomerOrderField = 'createdAt' | 'updatedAt' | 'name' | 'email';
export type SortDirection = 'asc' | 'desc';

export interface CustomerFilter {
  email?: string | null;
  search?: string | null;
  createdAt?: { gt?: Date | null; gte?: Date | null; lt?: Date | null; lte?: Date | null } | null;
  metadata?: { key: string; value: string }[] | null;
  includeDeleted?: boolean | null;
}

export interface CustomerOrder {
  field: CustomerOrderField;
  direction: SortDirection;
}

const NULLABLE_ORDER_FIELDS = new Set<CustomerOrderField>(['name', 'email']);

function filterWhere(ctx: Context, filter: CustomerFilter): Prisma.CustomerWhereInput {
  const and: Prisma.CustomerWhereInput[] = [];
  if (filter.search) {
    const contains = { contains: filter.search, mode: 'insensitive' as const };
    and.push({ OR: [{ name: contains }, { email: contains }, { externalId: contains }, { companyName: contains }] });
  }
  for (const { key, value } of filter.metadata ?? []) and.push({ metadata: { path: [key], equals: value } });
  const createdAt = filter.createdAt;
  return {
    accountId: ctx.caller.accountId,
    env: ctx.caller.env,
    ...(filter.includeDeleted ? {} : { deletedAt: null }),
    ...(filter.email != null ? { email: filter.email } : {}),
    ...(createdAt
      ? {
          createdAt: {
            ...(createdAt.gt ? { gt: createdAt.gt } : {}),
            ...(createdAt.gte ? { gte: createdAt.gte } : {}),
            ...(createdAt.lt ? { lt: createdAt.lt } : {}),
            ...(createdAt.lte ? { lte: createdAt.lte } : {}),
          },
        }
      : {}),
    ...(and.length ? { AND: and } : {}),
  };
}

/**
 * Rows strictly after (value, id) in the order (field direction NULLS LAST, id direction), or,
 * when `before`, strictly before it. Nulls sort last, so they come after every value.
 */
function keysetWhere(order: CustomerOrder, value: unknown, id: string, before: boolean): Prisma.CustomerWhereInput {
  const { field } = order;
  const towardEnd = (order.direction === 'desc') !== before ? 'lt' : 'gt';
  if (value === null) {
    const sameNull = { [field]: null, id: { [towardEnd]: id } };
    return before ? { OR: [{ [field]: { not: null } }, sameNull] } : sameNull;
  }
  const alternatives: Prisma.CustomerWhereInput[] = [
    { [field]: { [towardEnd]: value } },
    { [field]: value, id: { [towardEnd]: id } },
  ];
  if (!before && NULLABLE_ORDER_FIELDS.has(field)) return { OR: [...alternatives, { [field]: null }] };
  // Redundant, but it is the range PostgreSQL can start the index scan at: without it the OR
  // becomes a filter over every row before the cursor (or a bitmap of every row after it).
  return { [field]: { [`${towardEnd}e`]: value }, OR: alternatives };
}

function orderByClause(order: CustomerOrder, backward: boolean): Prisma.CustomerOrderByWithRelationInput[] {
  const flip = (d: SortDirection): SortDirection => (backward ? (d === 'asc' ? 'desc' : 'asc') : d);
  const sort = flip(order.direction);
  const fieldOrder = NULLABLE_ORDER_FIELDS.has(order.field)
    ? { [order.field]: { sort, nulls: backward ? 'first' : 'last' } }
    : { [order.field]: sort };
  return [fieldOrder, { id: sort }];
}

function sortValue(customer: Customer, field: CustomerOrderField): string | null {
  const value = customer[field];
  return value instanceof Date ? value.toISOString() : value;
}

export async function listCustomers(
  ctx: Context,
  args: PageArgs & { filter?: CustomerFilter | null; orderBy?: CustomerOrder | null },
): Promise<Page<Customer>> {
  const request = pageRequest(args);
  const filter = args.filter ?? {};
  const order = args.orderBy ?? { field: 'createdAt', direction: 'desc' };
  const listKey = JSON.stringify(['customers', filter, order]);
  const where = filterWhere(ctx, filter);
  let pageWhere = where;
  if (request.cursor !== undefined) {
    const isDate = order.field === 'createdAt' || order.field === 'updatedAt';
    const [value, id] = decodeCursor(listKey, request.cursor, request.backward ? 'before' : 'after', [isDate ? 'instant' : 'text or null', 'text']);
    const typedValue = value === null ? null : isDate ? new Date(String(value)) : String(value);
    pageWhere = { AND: [where, keysetWhere(order, typedValue, String(id), request.backward)] };
  }
  const rows = await ctx.prisma.customer.findMany({
    where: pageWhere,
    orderBy: orderByClause(order, request.backward),
    take: request.limit + 1,
  });
  return toPage(
    rows,
    request,
    (row) => encodeCursor(listKey, [sortValue(row, order.field), row.id]),
    () => ctx.prisma.customer.count({ where }),
  );
}

export interface CustomerPayload {
  customer: Customer | null;
  userErrors: UserError[];
}

/** Values as they are stored in an event: JSON-safe, money as strings. */
function eventValue(value: unknown): Prisma.InputJsonValue | null {
  if (value === undefined || value === null || value === Prisma.DbNull) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value as Prisma.InputJsonValue;
}

function uniqueViolationCode(error: unknown): UserError | undefined {
  const e = error as { code?: string; meta?: unknown };
  if (e?.code !== 'P2002') return undefined;
  const detail = JSON.stringify(e.meta ?? {});
  if (detail.includes('email')) {
    return userError(['input', 'email'], 'EMAIL_TAKEN', 'email is already used by another customer of this account and environment');
  }
  if (detail.includes('externalId')) {
    return userError(['input', 'externalId'], 'EXTERNAL_ID_TAKEN', 'externalId is already used by another customer of this account and environment');
  }
  if (detail.includes('invoicePrefix')) {
    return userError(['input', 'invoicePrefix'], 'INVOICE_PREFIX_TAKEN', 'invoicePrefix is already used by another customer of this account');
  }
  return undefined;
}

/** Runs a write; expected failures (validation, conflicts) become userErrors and nothing is written. */
async function asPayload<T extends object>(write: () => Promise<T>): Promise<T | { userErrors: UserError[] }> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof UserErrors) return { userErrors: error.errors };
    const conflict = uniqueViolationCode(error);
    if (conflict) return { userErrors: [conflict] };
    throw error;
  }
}

export async function createCustomer(ctx: Context, input: CustomerFieldsInput): Promise<CustomerPayload> {
  const checked = checkCustomerFields(input);
  const metadata = mergeMetadata({}, checked.metadata ?? {}, checked.errors);
  if (checked.errors.length) return { customer: null, userErrors: checked.errors };
  const insert = async (tx: Prisma.TransactionClient) => {
    const customer = await tx.customer.create({
      data: {
        ...(checked.data as Prisma.CustomerUncheckedCreateInput),
        id: newId('Customer'),
        accountId: ctx.caller.accountId,
        env: ctx.caller.env,
        metadata,
      },
    });
    await tx.event.create({
      data: {
        id: newId('Event'),
        accountId: ctx.caller.accountId,
        env: ctx.caller.env,
        customerId: customer.id,
        type: 'CUSTOMER_CREATED',
        createdAt: customer.createdAt,
      },
    });
    return { customer, userErrors: [] };
  };
  const result = await asPayload(() =>
    ctx.prisma.$transaction((tx) => createOnce(tx, ctx, 'createCustomer', input, () => insert(tx))),
  );
  return { customer: null, ...result };
}

function notFound(id: string): UserErrors {
  return new UserErrors([userError(['input', 'id'], 'NOT_FOUND', `No customer with id "${id}"`)]);
}

/** Locks the caller's live customer for the rest of the transaction, so concurrent writes queue. */
async function lockLiveCustomer(tx: Prisma.TransactionClient, ctx: Context, id: string): Promise<Customer> {
  await tx.$queryRaw`SELECT 1 FROM "Customer" WHERE id = ${id} FOR UPDATE`;
  const customer = await tx.customer.findFirst({
    where: { id, accountId: ctx.caller.accountId, env: ctx.caller.env, deletedAt: null },
  });
  if (!customer) throw notFound(id);
  return customer;
}

function checkVersion(customer: Customer, expectedVersion: number | null | undefined) {
  if (expectedVersion != null && expectedVersion !== customer.version) {
    throw new UserErrors([
      userError(['input', 'expectedVersion'], 'VERSION_CONFLICT', `The customer is at version ${customer.version}, not ${expectedVersion}; read it again and retry`),
    ]);
  }
}

export async function updateCustomer(
  ctx: Context,
  input: CustomerFieldsInput & { id: string; expectedVersion?: number | null },
): Promise<CustomerPayload> {
  const { id, expectedVersion, ...fields } = input;
  const checked = checkCustomerFields(fields);
  if (checked.errors.length) return { customer: null, userErrors: checked.errors };
  const result = await asPayload(() =>
    ctx.prisma.$transaction(async (tx) => {
      const current = await lockLiveCustomer(tx, ctx, id);
      checkVersion(current, expectedVersion);
      const data: Record<string, unknown> = { ...checked.data };
      if (checked.metadata !== undefined) {
        const errors: UserError[] = [];
        data.metadata = checked.metadata === null ? {} : mergeMetadata(current.metadata as Record<string, string>, checked.metadata, errors);
        if (errors.length) throw new UserErrors(errors);
      }
      const changes: Record<string, { before: Prisma.InputJsonValue | null; after: Prisma.InputJsonValue | null }> = {};
      for (const [field, after] of Object.entries(data)) {
        const before = current[field as keyof Customer];
        if (JSON.stringify(eventValue(before)) !== JSON.stringify(eventValue(after))) {
          changes[field] = { before: eventValue(before), after: eventValue(after) };
        }
      }
      if (Object.keys(changes).length === 0) return { customer: current, userErrors: [] };
      const customer = await tx.customer.update({
        where: { id },
        data: { ...(data as Prisma.CustomerUncheckedUpdateInput), version: { increment: 1 } },
      });
      await tx.event.create({
        data: {
          id: newId('Event'),
          accountId: ctx.caller.accountId,
          env: ctx.caller.env,
          customerId: id,
          type: 'CUSTOMER_UPDATED',
          data: { changes },
          createdAt: customer.updatedAt,
        },
      });
      return { customer, userErrors: [] };
    }),
  );
  return { customer: null, ...result };
}

export interface DeletePayload {
  deletedCustomerId: string | null;
  userErrors: UserError[];
}

/**
 * Deleting keeps a tombstone (id, deletedAt) and erases the personal data, as Stripe does; the
 * email and externalId become free for a new customer.
 */
export async function deleteCustomer(ctx: Context, input: { id: string; expectedVersion?: number | null }): Promise<DeletePayload> {
  const result = await asPayload(() =>
    ctx.prisma.$transaction(async (tx) => {
      const current = await lockLiveCustomer(tx, ctx, input.id);
      checkVersion(current, input.expectedVersion);
      const deleted = await tx.customer.update({
        where: { id: input.id },
        data: {
          deletedAt: new Date(),
          version: { increment: 1 },
          name: null,
          email: null,
          phone: null,
          description: null,
          companyName: null,
          taxId: null,
          address: Prisma.DbNull,
          shipping: Prisma.DbNull,
          metadata: {},
          taxIds: [],
          externalId: null,
          invoicePrefix: null,
        },
      });
      await tx.event.create({
        data: {
          id: newId('Event'),
          accountId: ctx.caller.accountId,
          env: ctx.caller.env,
          customerId: input.id,
          type: 'CUSTOMER_DELETED',
          createdAt: deleted.deletedAt!,
        },
      });
      return { deletedCustomerId: input.id, userErrors: [] };
    }),
  );
  return { deletedCustomerId: null, ...result };
}
