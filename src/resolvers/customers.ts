import { fitsTimestamp, INSTANT_RANGE_TEXT } from '../data/column-ranges.ts';
import { newId } from '../domain/ids.ts';
import { type Customer, Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';
import {
  type CustomerFieldsInput,
  checkCustomerFields,
  METADATA_KEY_MAX_LENGTH,
  METADATA_MAX_KEYS,
  METADATA_VALUE_MAX_LENGTH,
  mergeMetadata,
} from './customer-input.ts';
import { type UserError, UserErrors, userError } from './errors.ts';
import { createOnce } from './idempotency.ts';
import { badArgument, decodeCursor, encodeCursor, type Page, type PageArgs, type PageRequest, pageRequest, toPage } from './pagination.ts';

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
const DATE_ORDER_FIELDS = new Set<CustomerOrderField>(['createdAt', 'updatedAt']);

/** Whether the list sorts by an instant (its cursors carry it as an ISO string) rather than by text. */
export const sortsByInstant = (field: CustomerOrderField) => DATE_ORDER_FIELDS.has(field);

/** Adds a value to a statement's parameters and answers its placeholder, `$n::type`. */
export type Placeholder = (value: unknown, type: string) => string;

export type CustomerListArgs = PageArgs & { filter?: CustomerFilter | null; orderBy?: CustomerOrder | null };

/** A customers list request in SQL: here for the resolver, and for src/data/customer-json.ts. */
export interface CustomerList {
  request: PageRequest;
  order: CustomerOrder;
  /** The list its cursors carry the fingerprint of. */
  listKey: string;
  /** The filter's conditions over the columns of "Customer": every customer of the list. */
  filtered: string;
  /** ORDER BY in the direction of travel, over the columns of the row alias `row` ('' for none). */
  orderBy(row: string): string;
}

/** `text` matched literally inside ILIKE: its own % and _ (and the escape, \) are not wildcards. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`;

/** The conditions a customer of the list meets; `tenant` holds the SQL of the caller's account and environment. */
function filterConditions(filter: CustomerFilter, tenant: { account: string; env: string }, param: Placeholder): string[] {
  const conditions = [`"accountId" = ${tenant.account}`, `env = ${tenant.env}`];
  if (!filter.includeDeleted) conditions.push('"deletedAt" IS NULL');
  // Folded as the trigger of migration 20261201130000_customer_email_folded folds every stored email.
  if (filter.email != null) conditions.push(`"emailFolded" = "customer_email_folded"(${param(filter.email, 'text')})`);
  if (filter.search) {
    const pattern = param(containing(filter.search), 'text');
    conditions.push(`(name ILIKE ${pattern} OR email ILIKE ${pattern} OR "externalId" ILIKE ${pattern} OR "companyName" ILIKE ${pattern})`);
  }
  for (const { key, value } of filter.metadata ?? []) {
    conditions.push(`metadata -> ${param(key, 'text')} = to_jsonb(${param(value, 'text')})`);
  }
  const comparisons = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  for (const [bound, operator] of Object.entries(comparisons) as [keyof typeof comparisons, string][]) {
    const value = filter.createdAt?.[bound];
    // Stored as UTC without a zone: an ISO instant ending in Z casts to exactly that.
    if (value) conditions.push(`"createdAt" ${operator} ${param(value.toISOString(), 'timestamp(3)')}`);
  }
  return conditions;
}

/**
 * Refuses a filter whose values the statement could not take (an instant outside timestamp(3))
 * or that could never match (more metadata conditions than a customer has keys, or a key or
 * value longer than metadata holds), naming the argument.
 */
function checkFilter(filter: CustomerFilter) {
  for (const [bound, value] of Object.entries(filter.createdAt ?? {})) {
    if (value && !fitsTimestamp(value)) throw badArgument(`filter.createdAt.${bound}`, `must be ${INSTANT_RANGE_TEXT}`);
  }
  const metadata = filter.metadata ?? [];
  if (metadata.length > METADATA_MAX_KEYS) {
    throw badArgument(
      'filter.metadata',
      `at most ${METADATA_MAX_KEYS} conditions (a customer has at most ${METADATA_MAX_KEYS} keys), got ${metadata.length}`,
    );
  }
  for (const [i, { key, value }] of metadata.entries()) {
    if (key.length > METADATA_KEY_MAX_LENGTH) {
      throw badArgument(`filter.metadata.${i}.key`, `metadata keys are at most ${METADATA_KEY_MAX_LENGTH} characters, got ${key.length}`);
    }
    if (value.length > METADATA_VALUE_MAX_LENGTH) {
      throw badArgument(
        `filter.metadata.${i}.value`,
        `metadata values are at most ${METADATA_VALUE_MAX_LENGTH} characters, got ${value.length}`,
      );
    }
  }
}

/** ORDER BY in the direction of travel, over the columns of the row alias `row` ('' for none). */
function orderByClause(order: CustomerOrder, backward: boolean, row: string): string {
  const direction = (order.direction === 'desc') !== backward ? 'DESC' : 'ASC';
  const nulls = NULLABLE_ORDER_FIELDS.has(order.field) ? (backward ? ' NULLS FIRST' : ' NULLS LAST') : '';
  return `${row}"${order.field}" ${direction}${nulls}, ${row}id ${direction}`;
}

/** The list `args` ask for; a bad page size is refused here, a bad cursor by customerListKeyset. */
export function customerList(args: CustomerListArgs, tenant: { account: string; env: string }, param: Placeholder): CustomerList {
  const request = pageRequest(args);
  const filter = args.filter ?? {};
  checkFilter(filter);
  const order = args.orderBy ?? { field: 'createdAt', direction: 'desc' };
  return {
    request,
    order,
    listKey: JSON.stringify(['customers', filter, order]),
    filtered: filterConditions(filter, tenant, param).join(' AND '),
    orderBy: (row) => orderByClause(order, request.backward, row),
  };
}

/**
 * The rows strictly after the cursor in the list's order (field direction NULLS LAST, id
 * direction), or, paging backward, strictly before it; undefined without a cursor. Nulls sort
 * last, so they come after every value. The row comparison is a range of the (accountId, env,
 * field, id) index: a page deep in the list starts its index scan at the cursor.
 */
export function customerListKeyset({ request, order, listKey }: CustomerList, param: Placeholder): string | undefined {
  if (request.cursor === undefined) return undefined;
  const before = request.backward;
  const isDate = sortsByInstant(order.field);
  const [value, id] = decodeCursor(listKey, request.cursor, before ? 'before' : 'after', [isDate ? 'instant' : 'text or null', 'text']);
  const column = `"${order.field}"`;
  const towardEnd = (order.direction === 'desc') !== before ? '<' : '>';
  const idParam = param(id, 'text');
  if (value === null) {
    const sameNull = `(${column} IS NULL AND id ${towardEnd} ${idParam})`;
    return before ? `(${column} IS NOT NULL OR ${sameNull})` : sameNull;
  }
  // A row whose field is NULL compares as unknown: going on after a value, the NULLs are still ahead.
  const beyond = `(${column}, id) ${towardEnd} (${param(value, isDate ? 'timestamp(3)' : 'text')}, ${idParam})`;
  return !before && NULLABLE_ORDER_FIELDS.has(order.field) ? `(${beyond} OR ${column} IS NULL)` : beyond;
}

/** What a cursor of the list carries for a customer: the sort field as JSON writes it, and the id. */
function customerSortKey(customer: Customer, field: CustomerOrderField): [string | null, string] {
  const value = customer[field];
  return [value instanceof Date ? value.toISOString() : value, customer.id];
}

/** A statement's parameters, numbered from $1 as they are added. */
function parameters() {
  const values: unknown[] = [];
  const param: Placeholder = (value, type) => `$${values.push(value)}::${type}`;
  return { values, param };
}

/**
 * A page of the caller's customers, read as the loaders read (src/data/read-batch.ts): a prepared
 * statement, planned once per connection, its rows decoded as Prisma returns them. A query that
 * src/data/customer-json.ts compiles does not come here.
 */
export async function listCustomers(ctx: Context, args: CustomerListArgs): Promise<Page<Customer>> {
  const { values, param } = parameters();
  const list = customerList(args, { account: param(ctx.caller.accountId, 'text'), env: param(ctx.caller.env, '"Environment"') }, param);
  const filterValues = [...values];
  const keyset = customerListKeyset(list, param);
  const rows = await ctx.loaders.read<Customer>({
    model: 'Customer',
    sql: `SELECT * FROM "Customer" WHERE ${list.filtered}${keyset ? ` AND ${keyset}` : ''} ORDER BY ${list.orderBy('')} LIMIT ${list.request.limit + 1}`,
    params: values,
    orderBy: list.orderBy('r.'),
  });
  return toPage(
    rows,
    list.request,
    (row) => encodeCursor(list.listKey, customerSortKey(row, list.order.field)),
    async () => {
      const [{ count }] = await ctx.loaders.read<{ count: number }>({
        sql: `SELECT count(*)::int AS count FROM "Customer" WHERE ${list.filtered}`,
        params: filterValues,
      });
      return count;
    },
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

/**
 * A JSON column's value as Prisma must write it: its serializer copies objects key by key into
 * plain objects, where a `__proto__` key sets the prototype and vanishes, and it reads a `$type`
 * key as a tag of its protocol. A value with `toJSON` is taken as it is, and a Raw tag is stored
 * as it is, so every key of metadata (and of an event recording it) arrives.
 */
function exactJson(value: Prisma.InputJsonValue): Prisma.InputJsonValue {
  return { toJSON: () => ({ $type: 'Raw', value }) } as unknown as Prisma.InputJsonValue;
}

function uniqueViolationCode(error: unknown): UserError | undefined {
  const e = error as { code?: string; meta?: unknown };
  if (e?.code !== 'P2002') return undefined;
  const detail = JSON.stringify(e.meta ?? {});
  if (detail.includes('email')) {
    return userError(['input', 'email'], 'EMAIL_TAKEN', 'email is already used by another customer of this account and environment');
  }
  if (detail.includes('externalId')) {
    return userError(
      ['input', 'externalId'],
      'EXTERNAL_ID_TAKEN',
      'externalId is already used by another customer of this account and environment',
    );
  }
  if (detail.includes('invoicePrefix')) {
    return userError(
      ['input', 'invoicePrefix'],
      'INVOICE_PREFIX_TAKEN',
      'invoicePrefix is already used by another customer of this account',
    );
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
  const metadata = mergeMetadata({}, checked.metadata ?? new Map(), checked.errors);
  if (checked.errors.length) return { customer: null, userErrors: checked.errors };
  const insert = async (tx: Prisma.TransactionClient) => {
    const customer = await tx.customer.create({
      data: {
        ...(checked.data as Prisma.CustomerUncheckedCreateInput),
        id: newId('Customer'),
        accountId: ctx.caller.accountId,
        env: ctx.caller.env,
        metadata: exactJson(metadata),
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
  const result = await asPayload(() => ctx.prisma.$transaction((tx) => createOnce(tx, ctx, 'createCustomer', input, () => insert(tx))));
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
      userError(
        ['input', 'expectedVersion'],
        'VERSION_CONFLICT',
        `The customer is at version ${customer.version}, not ${expectedVersion}; read it again and retry`,
      ),
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
        data.metadata =
          checked.metadata === null ? {} : mergeMetadata(current.metadata as Record<string, string>, checked.metadata, errors);
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
        data: {
          ...(data as Prisma.CustomerUncheckedUpdateInput),
          ...(data.metadata === undefined ? {} : { metadata: exactJson(data.metadata as Prisma.InputJsonObject) }),
          version: { increment: 1 },
        },
      });
      await tx.event.create({
        data: {
          id: newId('Event'),
          accountId: ctx.caller.accountId,
          env: ctx.caller.env,
          customerId: id,
          type: 'CUSTOMER_UPDATED',
          data: exactJson({ changes }),
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
