import type { Environment } from '../generated/prisma/enums.ts';
import { modelField, modelFields } from './datamodel.ts';

/** Whose data a request sees: one merchant account, in one environment. */
export interface Tenant {
  accountId: string;
  env: Environment;
}

type Where = Record<string, unknown>;

const scopeCache = new Map<string, (tenant: Tenant) => Where>();

/**
 * How a model's rows are kept to a tenant, derived from schema.prisma: a model with `accountId`
 * and `env` columns is scoped by them; any other model through its required to-one relation to
 * one that is (a subscription through its customer).
 */
function scopeOf(model: string): (tenant: Tenant) => Where {
  let scope = scopeCache.get(model);
  if (scope) return scope;
  if (modelField(model, 'accountId') && modelField(model, 'env')) {
    scope = (tenant) => ({ accountId: tenant.accountId, env: tenant.env });
  } else {
    const owner = modelFields(model).find(
      (field) => field.relationName && !field.isList && field.isRequired && field.relationFromFields?.length,
    );
    if (!owner) throw new Error(`${model} has no account of its own nor a required relation to one`);
    const ownerScope = scopeOf(owner.type);
    scope = (tenant) => ({ [owner.name]: ownerScope(tenant) });
  }
  scopeCache.set(model, scope);
  return scope;
}

/**
 * The one way rows are scoped: `where` (a Prisma where of `model`) narrowed to the tenant's rows.
 * Every read and write of the service layer and the loaders goes through it, and the compiled
 * read translates the same where into SQL.
 */
export function scoped<W extends object>(model: string, tenant: Tenant, where?: W): W {
  const scope = scopeOf(model)(tenant);
  if (!where) return scope as W;
  const overlaps = Object.keys(scope).some((key) => key in where);
  return (overlaps ? { AND: [where, scope] } : { ...where, ...scope }) as W;
}
