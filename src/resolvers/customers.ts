import { scoped } from '../data/tenant.ts';
import { type UserError, UserErrors, userError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { type Customer, Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';
import { type CustomerFieldsInput, checkCustomerFields, mergeMetadata } from './customer-input.ts';
import { createOnce } from './idempotency.ts';
import { ERASED_CUSTOMER_COLUMNS, eraseCustomer } from './tombstone.ts';

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
  await tx.$queryRaw`SELECT 1 FROM "Customer" WHERE id = ${id} AND "accountId" = ${ctx.caller.accountId} AND env = ${ctx.caller.env}::"Environment" FOR UPDATE`;
  const customer = await tx.customer.findFirst({ where: scoped('Customer', ctx.caller, { id, deletedAt: null }) });
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
        where: scoped('Customer', ctx.caller, { id }),
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

/** Deletes as ./tombstone.ts says: the email and externalId become free for a new customer. */
export async function deleteCustomer(ctx: Context, input: { id: string; expectedVersion?: number | null }): Promise<DeletePayload> {
  const result = await asPayload(() =>
    ctx.prisma.$transaction(async (tx) => {
      const current = await lockLiveCustomer(tx, ctx, input.id);
      checkVersion(current, input.expectedVersion);
      const deletedAt = new Date();
      await tx.customer.update({
        where: scoped('Customer', ctx.caller, { id: input.id }),
        data: { ...ERASED_CUSTOMER_COLUMNS, deletedAt, version: { increment: 1 } },
      });
      await eraseCustomer(tx, ctx.caller, input.id, deletedAt);
      await tx.event.create({
        data: {
          id: newId('Event'),
          accountId: ctx.caller.accountId,
          env: ctx.caller.env,
          customerId: input.id,
          type: 'CUSTOMER_DELETED',
          createdAt: deletedAt,
        },
      });
      return { deletedCustomerId: input.id, userErrors: [] };
    }),
  );
  return { deletedCustomerId: null, ...result };
}
