import { TEXT_LIMITS } from '../config/limits.ts';
import { scoped } from '../data/tenant.ts';
import { type UserError, UserErrors, userError } from '../domain/errors.ts';
import { type IdType, typeOfId } from '../domain/ids.ts';
import type { Customer, Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';

/** What the services share: running a write as a payload, finding and locking a customer, the common input rules. */

type Db = Prisma.TransactionClient;

/**
 * Runs a write; expected failures (input rules, conflicts) become userErrors and, the write's
 * transaction rolled back, nothing is written. `conflict` names the input behind a unique violation.
 */
export async function asPayload<T extends object>(
  write: () => Promise<T>,
  conflict: (error: unknown) => UserError | undefined = () => undefined,
): Promise<T | { userErrors: UserError[] }> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof UserErrors) return { userErrors: error.errors };
    const known = conflict(error);
    if (known) return { userErrors: [known] };
    throw error;
  }
}

/** The SQLSTATE of a PostgreSQL error, as Prisma's driver adapter passes it on or as pg raises it (with a severity). */
function sqlState(error: unknown): string | undefined {
  const e = error as
    | { code?: string; severity?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }
    | undefined;
  return e?.meta?.driverAdapterError?.cause?.originalCode ?? (e?.severity ? e.code : undefined);
}

/** Whether an error is PostgreSQL's refusal of a duplicate in a unique index (through Prisma or raw SQL). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === 'P2002' || sqlState(error) === '23505';
}

/** Whether an error is PostgreSQL's numeric_value_out_of_range: a sum past what its column holds. */
export const isOutOfRange = (error: unknown) => sqlState(error) === '22003';

export const invalid = (field: string[], message: string) => userError(field, 'INVALID', `${field.slice(1).join('.')} ${message}`);

export const notFound = (field: string[], what: string, id: string) => userError(field, 'NOT_FOUND', `No ${what} with id "${id}"`);

/** The caller's live (not deleted) customer, or null. */
export function findLiveCustomer(db: Db, ctx: Context, id: string): Promise<Customer | null> {
  return db.customer.findFirst({ where: scoped('Customer', ctx.caller, { id, deletedAt: null }) });
}

/**
 * Locks the caller's live customer for the rest of the transaction, so that concurrent writes to
 * it and to what hangs under it (subscriptions, balances, entities) queue; NOT_FOUND on `field`.
 */
export async function lockLiveCustomer(tx: Db, ctx: Context, id: string, field = ['input', 'id']): Promise<Customer> {
  await tx.$queryRaw`SELECT 1 FROM "Customer" WHERE id = ${id} AND "accountId" = ${ctx.caller.accountId} AND env = ${ctx.caller.env}::"Environment" FOR UPDATE`;
  const customer = await findLiveCustomer(tx, ctx, id);
  if (!customer) throw new UserErrors([notFound(field, 'customer', id)]);
  return customer;
}

/** An id of the given type (its prefix), or INVALID. */
export function checkId(field: string[], id: string, type: IdType, errors: UserError[]): void {
  if (typeOfId(id) !== type)
    errors.push(invalid(field, `must be an id of a ${type} (${type === 'Customer' ? 'cus_…' : 'its prefix, then _'})`));
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

/** A merchant's key for a feature, plan or programme: 1 to 64 letters, digits and _ . : - */
export function checkKey(field: string[], key: string, errors: UserError[]): void {
  if (key.length > TEXT_LIMITS.key) {
    errors.push(
      userError(field, 'TOO_LONG', `${field.slice(1).join('.')} must be at most ${TEXT_LIMITS.key} characters, got ${key.length}`),
    );
  } else if (!KEY.test(key)) {
    errors.push(invalid(field, 'must be letters, digits and _ . : - (starting with a letter or digit), like "api_calls"'));
  }
}

export const checkFeatureId = checkKey;
