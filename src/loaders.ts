import DataLoader from 'dataloader';
import type { Caller } from './auth.ts';
import type {
  Balance,
  Charge,
  Customer,
  Entity,
  Event,
  Invoice,
  PaymentMethod,
  PrismaClient,
  Purchase,
  Referral,
  Reward,
  Subscription,
  TrialUsed,
} from './generated/prisma/client.ts';
import type { IdType } from './ids.ts';
import { decodeCursor, encodeCursor, type Page, type PageArgs, pageRequest, toPage } from './resolvers/pagination.ts';

export interface CustomerStats {
  invoiceCount: number;
  chargeCount: number;
  /** Sum of succeeded charges per currency, in minor units. */
  spentByCurrency: { currency: string; amount: bigint }[];
}

/** Tables whose rows hang off a customer and are paged newest first. */
const PAGED_CHILD_TABLES = { invoices: 'Invoice', charges: 'Charge', events: 'Event' } as const;
type PagedChild = keyof typeof PAGED_CHILD_TABLES;
interface PagedRows {
  invoices: Invoice;
  charges: Charge;
  events: Event;
}

function groupBy<T, K>(rows: T[], keyOf: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

function byKey<T, K>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const groups = groupBy(rows, keyOf);
  return keys.map((key) => groups.get(key) ?? []);
}

const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/**
 * Per-request DataLoaders: whatever number of customers a request touches, each relation it
 * selects costs one SQL statement. Every loader is scoped to the caller's account and
 * environment, so an id of another tenant loads as null.
 */
export function createLoaders(prisma: PrismaClient, caller: Caller) {
  const scope = { accountId: caller.accountId, env: caller.env };
  const liveCustomerScope = { customer: { ...scope, deletedAt: null } };

  const customer = new DataLoader<string, Customer | null>(async (ids) => {
    const rows = await prisma.customer.findMany({ where: { id: { in: [...ids] }, ...scope } });
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? null);
  });

  const byCustomer = <T extends { customerId: string }>(load: (ids: string[]) => Promise<T[]>) =>
    new DataLoader<string, T[]>(async (ids) => byKey(ids, await load([...ids]), (row) => row.customerId));
  const byEntity = <T extends { entityId: string | null }>(load: (ids: string[]) => Promise<T[]>) =>
    new DataLoader<string, T[]>(async (ids) => byKey(ids, await load([...ids]), (row) => row.entityId));

  const customerLevel = (ids: string[]) => ({ customerId: { in: ids }, entityId: null });
  const entityLevel = (ids: string[]) => ({ entityId: { in: ids } });

  const pagedLoaders = new Map<string, DataLoader<string, { rows: unknown[] }>>();
  const countLoaders = new Map<PagedChild, DataLoader<string, number>>();

  /** One LATERAL query per relation and page request, whatever the number of parents. */
  function pagedChildren<K extends PagedChild>(relation: K, customerId: string, args: PageArgs): Promise<Page<PagedRows[K]>> {
    const request = pageRequest(args);
    const listKey = `customer.${relation}`;
    const key = decodeCursorOrNone(listKey, request.cursor, request.backward ? 'before' : 'after');
    const loaderKey = JSON.stringify([relation, request]);
    let loader = pagedLoaders.get(loaderKey);
    if (!loader) {
      const table = PAGED_CHILD_TABLES[relation];
      const comparison = request.backward ? '>' : '<';
      const direction = request.backward ? 'ASC' : 'DESC';
      const keyset = key ? `AND (c."createdAt", c."id") ${comparison} ($2::timestamp(3), $3::text)` : '';
      const sql = `SELECT c.* FROM unnest($1::text[]) AS parent(id)
        CROSS JOIN LATERAL (
          SELECT * FROM "${table}" c WHERE c."customerId" = parent.id ${keyset}
          ORDER BY c."createdAt" ${direction}, c."id" ${direction} LIMIT ${request.limit + 1}
        ) c`;
      loader = new DataLoader(async (ids) => {
        const params: unknown[] = [[...ids]];
        if (key) params.push(new Date(String(key[0])), String(key[1]));
        const rows = await prisma.$queryRawUnsafe<{ customerId: string }[]>(sql, ...params);
        return byKey(ids, rows, (row) => row.customerId).map((group) => ({ rows: group }));
      });
      pagedLoaders.set(loaderKey, loader);
    }
    return loader.load(customerId).then(({ rows }) =>
      toPage(
        rows as PagedRows[K][],
        request,
        (row) => encodeCursor(listKey, [row.createdAt.toISOString(), row.id]),
        () => childCount(relation).load(customerId),
      ),
    );
  }

  function childCount(relation: PagedChild): DataLoader<string, number> {
    let loader = countLoaders.get(relation);
    if (!loader) {
      const table = PAGED_CHILD_TABLES[relation];
      loader = new DataLoader(async (ids) => {
        const rows = await prisma.$queryRawUnsafe<{ customerId: string; count: bigint }[]>(
          `SELECT "customerId", count(*) AS count FROM "${table}" WHERE "customerId" = ANY($1::text[]) GROUP BY "customerId"`,
          [...ids],
        );
        const counts = new Map(rows.map((row) => [row.customerId, Number(row.count)]));
        return ids.map((id) => counts.get(id) ?? 0);
      });
      countLoaders.set(relation, loader);
    }
    return loader;
  }

  const stats = new DataLoader<string, CustomerStats>(async (ids) => {
    const rows = await prisma.$queryRawUnsafe<
      { id: string; invoiceCount: bigint; chargeCount: bigint; spent: { currency: string; amount: string }[] }[]
    >(
      `SELECT parent.id,
         (SELECT count(*) FROM "Invoice" i WHERE i."customerId" = parent.id) AS "invoiceCount",
         (SELECT count(*) FROM "Charge" c WHERE c."customerId" = parent.id) AS "chargeCount",
         (SELECT coalesce(json_agg(json_build_object('currency', s.currency, 'amount', s.total::text) ORDER BY s.currency), '[]'::json)
            FROM (SELECT currency, sum(amount) AS total FROM "Charge" c
                  WHERE c."customerId" = parent.id AND c.status = 'SUCCEEDED' GROUP BY currency) s) AS spent
       FROM unnest($1::text[]) AS parent(id)`,
      [...ids],
    );
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = found.get(id);
      return {
        invoiceCount: Number(row?.invoiceCount ?? 0),
        chargeCount: Number(row?.chargeCount ?? 0),
        spentByCurrency: (row?.spent ?? []).map((s) => ({ currency: s.currency, amount: BigInt(s.amount) })),
      };
    });
  });

  const balanceByFeature = new DataLoader<string, Balance | null>(async (keys) => {
    const pairs = keys.map((key) => JSON.parse(key) as [string, string]);
    const rows = await prisma.balance.findMany({
      where: { entityId: null, OR: pairs.map(([customerId, featureId]) => ({ customerId, featureId })) },
    });
    const found = new Map(rows.map((row) => [JSON.stringify([row.customerId, row.featureId]), row]));
    return keys.map((key) => found.get(key) ?? null);
  });

  const byId = <T extends { id: string }>(load: (ids: string[]) => Promise<T[]>) =>
    new DataLoader<string, T | null>(async (ids) => {
      const found = new Map((await load([...ids])).map((row) => [row.id, row]));
      return ids.map((id) => found.get(id) ?? null);
    });

  /** Loaders for `node(id)`: a child is visible only through a live customer of the caller. */
  const nodes: Record<Exclude<IdType, 'Account' | 'ApiKey'>, DataLoader<string, { id: string } | null>> = {
    Customer: customer,
    Subscription: byId((ids) => prisma.subscription.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    Purchase: byId((ids) => prisma.purchase.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    Balance: byId((ids) => prisma.balance.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    Invoice: byId((ids) => prisma.invoice.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    Charge: byId((ids) => prisma.charge.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    Entity: byId((ids) => prisma.entity.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    TrialUsed: byId((ids) => prisma.trialUsed.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    Reward: byId((ids) => prisma.reward.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    Referral: byId((ids) => prisma.referral.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    PaymentMethod: byId((ids) => prisma.paymentMethod.findMany({ where: { id: { in: ids }, ...liveCustomerScope } })),
    Event: byId((ids) => prisma.event.findMany({ where: { id: { in: ids }, ...scope } })),
  };

  return {
    customer,
    nodes,
    subscriptions: byCustomer<Subscription>((ids) =>
      prisma.subscription.findMany({ where: customerLevel(ids), orderBy: newestFirst }),
    ),
    purchases: byCustomer<Purchase>((ids) => prisma.purchase.findMany({ where: customerLevel(ids), orderBy: newestFirst })),
    balances: byCustomer<Balance>((ids) =>
      prisma.balance.findMany({ where: customerLevel(ids), orderBy: [{ featureId: 'asc' }, { id: 'asc' }] }),
    ),
    balanceByFeature: {
      load: (customerId: string, featureId: string) => balanceByFeature.load(JSON.stringify([customerId, featureId])),
    },
    entities: byCustomer<Entity>((ids) => prisma.entity.findMany({ where: { customerId: { in: ids } }, orderBy: newestFirst })),
    entitySubscriptions: byEntity<Subscription>((ids) =>
      prisma.subscription.findMany({ where: entityLevel(ids), orderBy: newestFirst }),
    ),
    entityPurchases: byEntity<Purchase>((ids) => prisma.purchase.findMany({ where: entityLevel(ids), orderBy: newestFirst })),
    entityBalances: byEntity<Balance>((ids) =>
      prisma.balance.findMany({ where: entityLevel(ids), orderBy: [{ featureId: 'asc' }, { id: 'asc' }] }),
    ),
    trialsUsed: byCustomer<TrialUsed>((ids) =>
      prisma.trialUsed.findMany({ where: { customerId: { in: ids } }, orderBy: newestFirst }),
    ),
    rewards: byCustomer<Reward>((ids) => prisma.reward.findMany({ where: { customerId: { in: ids } }, orderBy: newestFirst })),
    referrals: byCustomer<Referral>((ids) =>
      prisma.referral.findMany({ where: { customerId: { in: ids } }, orderBy: newestFirst }),
    ),
    defaultPaymentMethod: new DataLoader<string, PaymentMethod | null>(async (ids) => {
      const rows = await prisma.paymentMethod.findMany({ where: { customerId: { in: [...ids] }, isDefault: true } });
      const found = new Map(rows.map((row) => [row.customerId, row]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    stats,
    pagedChildren,
  };
}

function decodeCursorOrNone(listKey: string, cursor: string | undefined, argument: string) {
  return cursor === undefined ? undefined : decodeCursor(listKey, cursor, argument);
}

export type Loaders = ReturnType<typeof createLoaders>;
