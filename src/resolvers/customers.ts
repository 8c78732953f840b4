import { insertSql } from '../data/insert.ts';
import { scoped } from '../data/tenant.ts';
import { type UserError, UserErrors, userError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Customer, Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';
import {
  type CheckedCustomerFields,
  type CustomerFieldsInput,
  checkCustomerFields,
  mergeCustomerFields,
  NOTHING_STORED,
} from './customer-input.ts';
import { eventValue } from './events.ts';
import { createOnce, once } from './idempotency.ts';
import { asPayload, isUniqueViolation, lockLiveCustomer } from './service.ts';
import { ERASED_CUSTOMER_COLUMNS, eraseCustomer } from './tombstone.ts';

export interface CustomerPayload {
  customer: Customer | null;
  userErrors: UserError[];
}

/** Key order aside: jsonb gives an object's keys back in its own order, not in the order written. */
function sortedKeys(value: Prisma.InputJsonValue | null): Prisma.InputJsonValue | null {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, Prisma.InputJsonValue | null>;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, sortedKeys(object[key])]),
  );
}

function sameValue(before: unknown, after: unknown): boolean {
  return JSON.stringify(sortedKeys(eventValue(before))) === JSON.stringify(sortedKeys(eventValue(after)));
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
  if (!isUniqueViolation(error)) return undefined;
  const detail = JSON.stringify((error as { meta?: unknown }).meta ?? {});
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

/** A customer write as a payload, a unique violation named by its field. */
const asCustomerPayload = <T extends object>(write: () => Promise<T>) => asPayload(write, uniqueViolationCode);

/**
 * Inserts a checked new customer with its CUSTOMER_CREATED event in one statement: a create is
 * one round trip to the database, whether alone or in a transaction with its Idempotency-Key.
 */
async function insertCustomer(db: Prisma.TransactionClient, ctx: Context, checked: CheckedCustomerFields): Promise<Customer> {
  const merged = mergeCustomerFields(NOTHING_STORED, checked, checked.errors);
  if (checked.errors.length) throw new UserErrors(checked.errors);
  const at = new Date();
  const row = {
    ...checked.data,
    ...merged,
    id: newId('Customer'),
    accountId: ctx.caller.accountId,
    env: ctx.caller.env,
    metadata: merged.metadata ?? {},
    createdAt: at,
    updatedAt: at,
  };
  const [customer] = await db.$queryRaw<Customer[]>`
    WITH customer AS (${insertSql('Customer', row)} RETURNING *),
    event AS (
      INSERT INTO "Event" (id, "accountId", env, "customerId", type, "createdAt")
      SELECT ${newId('Event')}, "accountId", env, id, 'CUSTOMER_CREATED', "createdAt" FROM customer
    )
    SELECT * FROM customer`;
  return customer;
}

export async function createCustomer(ctx: Context, input: CustomerFieldsInput): Promise<CustomerPayload> {
  const checked = checkCustomerFields(input);
  mergeCustomerFields(NOTHING_STORED, checked, checked.errors);
  if (checked.errors.length) return { customer: null, userErrors: checked.errors };
  const insert = async (db: Prisma.TransactionClient) => ({ customer: await insertCustomer(db, ctx, checked), userErrors: [] });
  const result = await asCustomerPayload(() =>
    ctx.idempotencyKey === undefined
      ? insert(ctx.prisma as unknown as Prisma.TransactionClient)
      : ctx.prisma.$transaction((tx) => createOnce(tx, ctx, 'createCustomer', input, () => insert(tx))),
  );
  return { customer: null, ...result };
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

const CURRENCY_LOCKED = userError(
  ['input', 'currency'],
  'CURRENCY_LOCKED',
  'currency cannot change once the customer has invoices, charges or a non-zero account balance',
);

/**
 * Whether money was recorded in the customer's currency: a balance, an invoice or a charge. Read
 * with the customer locked, so no charge lands between this check and the currency's change.
 */
async function holdsMoney(tx: Prisma.TransactionClient, ctx: Context, customer: Customer): Promise<boolean> {
  if (customer.balance !== 0n) return true;
  const billed = await tx.customer.count({
    where: scoped('Customer', ctx.caller, { id: customer.id, OR: [{ invoices: { some: {} } }, { charges: { some: {} } }] }),
  });
  return billed > 0;
}

/** Writes checked changes to the locked customer, with its CUSTOMER_UPDATED event; no change writes nothing. */
async function applyChanges(
  tx: Prisma.TransactionClient,
  ctx: Context,
  current: Customer,
  checked: CheckedCustomerFields,
): Promise<Customer> {
  // Rules that depend on the stored row are checked even when the input broke others, so that
  // every reason to refuse it is reported at once.
  const errors = [...checked.errors];
  const data: Record<string, unknown> = { ...checked.data, ...mergeCustomerFields(current, checked, errors) };
  if (data.currency !== undefined && data.currency !== current.currency && (await holdsMoney(tx, ctx, current))) {
    errors.push(CURRENCY_LOCKED);
  }
  if (errors.length) throw new UserErrors(errors);
  const changes: Record<string, { before: Prisma.InputJsonValue | null; after: Prisma.InputJsonValue | null }> = {};
  for (const [field, after] of Object.entries(data)) {
    const before = current[field as keyof Customer];
    if (!sameValue(before, after)) changes[field] = { before: eventValue(before), after: eventValue(after) };
  }
  if (Object.keys(changes).length === 0) return current;
  const customer = await tx.customer.update({
    where: scoped('Customer', ctx.caller, { id: current.id }),
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
      customerId: current.id,
      type: 'CUSTOMER_UPDATED',
      data: exactJson({ changes }),
      createdAt: customer.updatedAt,
    },
  });
  return customer;
}

export async function updateCustomer(
  ctx: Context,
  input: CustomerFieldsInput & { id: string; expectedVersion?: number | null },
): Promise<CustomerPayload> {
  const { id, expectedVersion, ...fields } = input;
  const checked = checkCustomerFields(fields);
  const result = await asCustomerPayload(() =>
    ctx.prisma.$transaction(async (tx) => {
      const current = await lockLiveCustomer(tx, ctx, id);
      checkVersion(current, expectedVersion);
      return { customer: await applyChanges(tx, ctx, current, checked), userErrors: [] };
    }),
  );
  return { customer: null, ...result };
}

export interface UpsertPayload extends CustomerPayload {
  created: boolean;
}

const externalIdClash = (error: unknown) => uniqueViolationCode(error)?.code === 'EXTERNAL_ID_TAKEN';

/**
 * Creates the customer with this externalId, or updates the live one that has it, in one
 * transaction. Of concurrent upserts of a new externalId one creates it; the others meet its
 * unique index, wait for it to commit, and run again as updates.
 */
export async function upsertCustomer(ctx: Context, input: CustomerFieldsInput & { externalId: string }): Promise<UpsertPayload> {
  const checked = checkCustomerFields(input);
  if (input.externalId == null) checked.errors.push(userError(['input', 'externalId'], 'REQUIRED', 'externalId is required'));
  const upsert = (tx: Prisma.TransactionClient) =>
    once<UpsertPayload>(
      tx,
      ctx,
      'upsertCustomer',
      input,
      async () => {
        const [found] = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM "Customer" WHERE "accountId" = ${ctx.caller.accountId} AND env = ${ctx.caller.env}::"Environment"
            AND "externalId" = ${input.externalId} AND "deletedAt" IS NULL FOR UPDATE`;
        if (found) {
          const current = (await tx.customer.findFirst({ where: scoped('Customer', ctx.caller, { id: found.id }) }))!;
          return { customer: await applyChanges(tx, ctx, current, checked), created: false, userErrors: [] };
        }
        if (checked.errors.length) throw new UserErrors(checked.errors);
        return { customer: await insertCustomer(tx, ctx, checked), created: true, userErrors: [] };
      },
      {
        remember: (payload) => ({ customerId: payload.customer?.id ?? null, created: payload.created ? 'true' : null }),
        recall: async ({ customerId, created }, replayTx) => ({
          customer: await replayTx.customer.findFirst({ where: scoped('Customer', ctx.caller, { id: customerId ?? '' }) }),
          created: created === 'true',
          userErrors: [],
        }),
      },
    );
  if (input.externalId == null) return { customer: null, created: false, userErrors: checked.errors };
  let result: UpsertPayload | { userErrors: UserError[] };
  try {
    result = await asPayload(() => ctx.prisma.$transaction(upsert));
  } catch (error) {
    if (!externalIdClash(error)) {
      const conflict = uniqueViolationCode(error);
      if (!conflict) throw error;
      return { customer: null, created: false, userErrors: [conflict] };
    }
    // Lost the race to create it: it exists now, and this upsert updates it.
    result = await asCustomerPayload(() => ctx.prisma.$transaction(upsert));
  }
  return { customer: null, created: false, ...result };
}

export interface DeletePayload {
  deletedCustomerId: string | null;
  userErrors: UserError[];
}

/** Deletes as ./tombstone.ts says: the email and externalId become free for a new customer. */
export async function deleteCustomer(ctx: Context, input: { id: string; expectedVersion?: number | null }): Promise<DeletePayload> {
  const result = await asCustomerPayload(() =>
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
