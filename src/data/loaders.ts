import DataLoader from 'dataloader';
import { type IdType, typeOfId } from '../domain/ids.ts';
import type { Plan, PrismaClient } from '../generated/prisma/client.ts';
import type { Aggregate } from './compiled-read/declare.ts';
import { relationOf } from './datamodel.ts';
import { scoped, type Tenant } from './tenant.ts';

type Row = Record<string, unknown> & { id: string };

/** Prisma's delegate of a model: `prisma.customer` for Customer. */
// biome-ignore lint/suspicious/noExplicitAny: the delegates' methods share one shape that TypeScript cannot name for a model chosen at run time.
export function delegateOf(prisma: PrismaClient, model: string): any {
  return (prisma as unknown as Record<string, unknown>)[model[0].toLowerCase() + model.slice(1)];
}

/** Models whose rows `node(id)` can read: every model with a prefixed id but the account and its keys. */
export type NodeModel = Exclude<IdType, 'Account' | 'ApiKey'>;

/**
 * Per-request DataLoaders against Prisma Client, each scoped to the caller's account and
 * environment through the one scoping rule (./tenant.ts): whatever number of objects a request
 * reads by id, or aggregates over, each model or aggregate costs one statement.
 */
export function createLoaders(prisma: PrismaClient, tenant: Tenant) {
  const byModel = new Map<string, DataLoader<string, Row | null>>();

  /** Rows of `model` by id among the caller's; null for an id that is not one of them. */
  function byId(model: string): DataLoader<string, Row | null> {
    let loader = byModel.get(model);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const rows: Row[] = await delegateOf(prisma, model).findMany({ where: scoped(model, tenant, { id: { in: [...ids] } }) });
        const found = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => found.get(id) ?? null);
      });
      byModel.set(model, loader);
    }
    return loader;
  }

  const aggregates = new Map<Aggregate, DataLoader<string, Record<string, unknown>[]>>();

  /**
   * The groups of `aggregate` over the related rows of each parent of `model`, by the parent's
   * id: one Prisma groupBy for every parent of the request.
   */
  function groups(model: string, aggregate: Aggregate): DataLoader<string, Record<string, unknown>[]> {
    let loader = aggregates.get(aggregate);
    if (!loader) {
      const relation = relationOf(model, aggregate.relation);
      const [[, parentColumn]] = relation.join;
      loader = new DataLoader(async (ids) => {
        const rows: Record<string, unknown>[] = await delegateOf(prisma, relation.model).groupBy({
          by: [parentColumn, ...aggregate.by],
          where: scoped(relation.model, tenant, { ...aggregate.where, [parentColumn]: { in: [...ids] } }),
          _sum: Object.fromEntries(aggregate.sum.map((column) => [column, true])),
          orderBy: aggregate.by.map((column) => ({ [column]: 'asc' })),
        });
        const byParent = new Map<string, Record<string, unknown>[]>();
        for (const { _sum, [parentColumn]: parent, ...group } of rows as (Record<string, unknown> & { _sum: Record<string, unknown> })[]) {
          const list = byParent.get(parent as string) ?? [];
          list.push({ ...group, ..._sum });
          byParent.set(parent as string, list);
        }
        return ids.map((id) => byParent.get(id) ?? []);
      });
      aggregates.set(aggregate, loader);
    }
    return loader;
  }

  /** The caller's plans by their ids (the merchant's, e.g. "pro"): the plan a subscription names. */
  const plan = new DataLoader<string, Plan | null>(async (ids) => {
    const plans = await prisma.plan.findMany({ where: scoped('Plan', tenant, { id: { in: [...ids] } }) });
    const found = new Map(plans.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? null);
  });

  return {
    byId,
    groups,
    plan,
    /** Any object by its prefixed id: the prefix names its model. */
    node(id: string): Promise<Row | null> {
      const type = typeOfId(id);
      if (!type || type === 'Account' || type === 'ApiKey') return Promise.resolve(null);
      return byId(type).load(id);
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
