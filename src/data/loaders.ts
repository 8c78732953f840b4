import DataLoader from 'dataloader';
import type { Caller } from '../auth/api-keys.ts';
import type { IdType } from '../domain/ids.ts';
import type {
  Balance,
  Charge,
  Customer,
  Entity,
  Event,
  Invoice,
  PaymentMethod,
  Purchase,
  Referral,
  Reward,
  Subscription,
  TrialUsed,
} from '../generated/prisma/client.ts';
import { decodeCursor, encodeCursor, type Page, type PageArgs, pageRequest, toPage } from '../resolvers/pagination.ts';
import type { Database } from './database.ts';
import { createReadBatch, type ModelName } from './read-batch.ts';

export interface CustomerStats {
  invoiceCount: number;
  chargeCount: number;
  /** Sum of succeeded charges per currency, in minor units. */
  spentByCurrency: { currency: string; amount: bigint }[];
}

/** An entity's own lists. */
export type EntityList = 'subscriptions' | 'purchases' | 'balances';

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

const NEWEST_FIRST = 'r."createdAt" DESC, r.id DESC';
const BY_FEATURE = 'r."featureId", r.id';

/**
 * The ids in $1 of customers of the caller ($2 account, $3 environment). Reads keyed by customer
 * id select through it, so that they can start before the customer itself is known to be the
 * caller's (customer(id) reads its relations in the customer's own round trip).
 */
const CALLERS_CUSTOMERS = 'ARRAY(SELECT id FROM "Customer" WHERE id = ANY($1::text[]) AND "accountId" = $2 AND env = $3::"Environment")';

/**
 * Per-request DataLoaders: whatever number of customers a request touches, each relation it
 * selects is one read, and the reads of one selection level go to the database together as one
 * statement (src/data/read-batch.ts). Every loader is scoped to the caller's account and environment in
 * its SQL, so an id of another tenant loads as null, and its relations as nothing.
 */
export function createLoaders(db: Pick<Database, 'read'>, caller: Caller) {
  const batch = createReadBatch(db);
  const rowsOf = <T>(model: ModelName, sql: string, params: unknown[], orderBy?: string) => batch.read<T>({ model, sql, params, orderBy });
  const tenant = [caller.accountId, caller.env];

  const byId = <T extends { id: string }>(load: (ids: string[]) => Promise<T[]>) =>
    new DataLoader<string, T | null>(async (ids) => {
      const found = new Map((await load([...ids])).map((row) => [row.id, row]));
      return ids.map((id) => found.get(id) ?? null);
    });
  const byCustomer = <T extends { customerId: string }>(load: (ids: string[]) => Promise<T[]>) =>
    new DataLoader<string, T[]>(async (ids) => byKey(ids, await load([...ids]), (row) => row.customerId));
  const byEntity = <T extends { entityId: string | null }>(load: (ids: string[]) => Promise<T[]>) =>
    new DataLoader<string, T[]>(async (ids) => byKey(ids, await load([...ids]), (row) => row.entityId));

  /** A customer's rows of a model: its own (no entity's), its entities', or all of them. */
  const ofCustomers = <T extends { customerId: string }>(model: ModelName, orderBy: string, owner: 'customer' | 'entities' | 'any') => {
    const ownerCondition = { customer: ' AND "entityId" IS NULL', entities: ' AND "entityId" IS NOT NULL', any: '' }[owner];
    return byCustomer<T>((ids) =>
      rowsOf(model, `SELECT * FROM "${model}" WHERE "customerId" = ANY(${CALLERS_CUSTOMERS})${ownerCondition}`, [ids, ...tenant], orderBy),
    );
  };
  const ofEntities = <T extends { entityId: string | null }>(model: ModelName, orderBy: string) =>
    byEntity<T>((ids) => rowsOf(model, `SELECT * FROM "${model}" WHERE "entityId" = ANY($1::text[])`, [ids], orderBy));

  const customer = byId<Customer>((ids) =>
    rowsOf('Customer', 'SELECT * FROM "Customer" WHERE id = ANY($1::text[]) AND "accountId" = $2 AND env = $3::"Environment"', [
      ids,
      ...tenant,
    ]),
  );

  /** A child row by its own id, visible only through a live customer of the caller. */
  const childById = (model: ModelName) =>
    byId<{ id: string }>((ids) =>
      rowsOf(
        model,
        `SELECT c.* FROM "${model}" c JOIN "Customer" p ON p.id = c."customerId"
         WHERE c.id = ANY($1::text[]) AND p."accountId" = $2 AND p.env = $3::"Environment" AND p."deletedAt" IS NULL`,
        [ids, ...tenant],
      ),
    );

  const pagedLoaders = new Map<string, DataLoader<string, { rows: unknown[] }>>();
  const countLoaders = new Map<PagedChild, DataLoader<string, number>>();

  /** One LATERAL read per relation and page request, whatever the number of parents. */
  function pagedChildren<K extends PagedChild>(
    relation: K,
    customerId: string,
    args: PageArgs,
    { withTotalCount }: { withTotalCount: boolean },
  ): Promise<Page<PagedRows[K]>> {
    const request = pageRequest(args);
    // Asked for now, the count is read with the page instead of in a round trip of its own. A
    // failure reaches the client through totalCount, which awaits the same cached promise.
    if (withTotalCount)
      childCount(relation)
        .load(customerId)
        .catch(() => {});
    const listKey = `customer.${relation}`;
    const key =
      request.cursor === undefined
        ? undefined
        : decodeCursor(listKey, request.cursor, request.backward ? 'before' : 'after', ['instant', 'text']);
    const loaderKey = JSON.stringify([relation, request]);
    let loader = pagedLoaders.get(loaderKey);
    if (!loader) {
      const model = PAGED_CHILD_TABLES[relation];
      const comparison = request.backward ? '>' : '<';
      const direction = request.backward ? 'ASC' : 'DESC';
      const keyset = key ? `AND (c."createdAt", c."id") ${comparison} ($4::timestamp(3), $5::text)` : '';
      const sql = `SELECT c.* FROM unnest(${CALLERS_CUSTOMERS}) AS parent(id)
        CROSS JOIN LATERAL (
          SELECT * FROM "${model}" c WHERE c."customerId" = parent.id ${keyset}
          ORDER BY c."createdAt" ${direction}, c."id" ${direction} LIMIT ${request.limit + 1}
        ) c`;
      loader = new DataLoader(async (ids) => {
        const params: unknown[] = [[...ids], ...tenant];
        // The cursor's ISO instant, ending in Z: read as timestamp it is the UTC the column holds.
        if (key) params.push(String(key[0]), String(key[1]));
        const rows = await rowsOf<{ customerId: string }>(model, sql, params, `r."createdAt" ${direction}, r.id ${direction}`);
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
      const model = PAGED_CHILD_TABLES[relation];
      loader = new DataLoader(async (ids) => {
        const rows = await batch.read<{ customerId: string; count: number }>({
          sql: `SELECT "customerId", count(*)::int AS count FROM "${model}" WHERE "customerId" = ANY(${CALLERS_CUSTOMERS}) GROUP BY "customerId"`,
          params: [[...ids], ...tenant],
        });
        const counts = new Map(rows.map((row) => [row.customerId, row.count]));
        return ids.map((id) => counts.get(id) ?? 0);
      });
      countLoaders.set(relation, loader);
    }
    return loader;
  }

  const stats = new DataLoader<string, CustomerStats>(async (ids) => {
    const rows = await batch.read<{ id: string; invoiceCount: number; chargeCount: number; spent: { currency: string; amount: string }[] }>(
      {
        sql: `SELECT parent.id,
         (SELECT count(*)::int FROM "Invoice" i WHERE i."customerId" = parent.id) AS "invoiceCount",
         (SELECT count(*)::int FROM "Charge" c WHERE c."customerId" = parent.id) AS "chargeCount",
         (SELECT coalesce(json_agg(json_build_object('currency', s.currency, 'amount', s.total::text) ORDER BY s.currency), '[]'::json)
            FROM (SELECT currency, sum(amount) AS total FROM "Charge" c
                  WHERE c."customerId" = parent.id AND c.status = 'SUCCEEDED' GROUP BY currency) s) AS spent
       FROM unnest(${CALLERS_CUSTOMERS}) AS parent(id)`,
        params: [[...ids], ...tenant],
      },
    );
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = found.get(id);
      return {
        invoiceCount: row?.invoiceCount ?? 0,
        chargeCount: row?.chargeCount ?? 0,
        spentByCurrency: (row?.spent ?? []).map((s) => ({ currency: s.currency, amount: BigInt(s.amount) })),
      };
    });
  });

  const balanceByFeature = new DataLoader<string, Balance | null>(async (keys) => {
    const pairs = keys.map((key) => JSON.parse(key) as [string, string]);
    const rows = await rowsOf<Balance>(
      'Balance',
      `SELECT b.* FROM "Balance" b JOIN unnest($1::text[], $4::text[]) AS k("customerId", "featureId")
         ON b."customerId" = k."customerId" AND b."featureId" = k."featureId"
       WHERE b."entityId" IS NULL AND b."customerId" = ANY(${CALLERS_CUSTOMERS})`,
      [pairs.map(([customerId]) => customerId), ...tenant, pairs.map(([, featureId]) => featureId)],
      NEWEST_FIRST,
    );
    // Should a customer hold two balances of one feature, the oldest answers.
    const found = new Map(rows.map((row) => [JSON.stringify([row.customerId, row.featureId]), row]));
    return keys.map((key) => found.get(key) ?? null);
  });

  /** Loaders for `node(id)`: a child is visible only through a live customer of the caller. */
  const nodes: Record<Exclude<IdType, 'Account' | 'ApiKey'>, DataLoader<string, { id: string } | null>> = {
    Customer: customer,
    Subscription: childById('Subscription'),
    Purchase: childById('Purchase'),
    Balance: childById('Balance'),
    Invoice: childById('Invoice'),
    Charge: childById('Charge'),
    Entity: childById('Entity'),
    TrialUsed: childById('TrialUsed'),
    Reward: childById('Reward'),
    Referral: childById('Referral'),
    PaymentMethod: childById('PaymentMethod'),
    Event: byId((ids) =>
      rowsOf<Event>('Event', 'SELECT * FROM "Event" WHERE id = ANY($1::text[]) AND "accountId" = $2 AND env = $3::"Environment"', [
        ids,
        ...tenant,
      ]),
    ),
  };

  const entities = ofCustomers<Entity>('Entity', NEWEST_FIRST, 'any');
  const entityLists = {
    subscriptions: ofEntities<Subscription>('Subscription', NEWEST_FIRST),
    purchases: ofEntities<Purchase>('Purchase', NEWEST_FIRST),
    balances: ofEntities<Balance>('Balance', BY_FEATURE),
  };
  const entityListsOfCustomers = {
    subscriptions: ofCustomers<Subscription>('Subscription', NEWEST_FIRST, 'entities'),
    purchases: ofCustomers<Purchase>('Purchase', NEWEST_FIRST, 'entities'),
    balances: ofCustomers<Balance>('Balance', BY_FEATURE, 'entities'),
  };

  /**
   * A customer's entities, with the lists of theirs that `lists` names read in the same round
   * trip (by customer) and handed to the entity loaders before the entities are returned.
   */
  async function entitiesWithLists(customerId: string, lists: EntityList[]): Promise<Entity[]> {
    const [rows, ...listRows] = await Promise.all([
      entities.load(customerId),
      ...lists.map((list) => entityListsOfCustomers[list].load(customerId)),
    ]);
    lists.forEach((list, index) => {
      const byEntity = groupBy<{ entityId: string | null }, string | null>(listRows[index], (row) => row.entityId);
      for (const entity of rows) entityLists[list].prime(entity.id, (byEntity.get(entity.id) ?? []) as never);
    });
    return rows;
  }

  const referrals = ofCustomers<Referral>('Referral', NEWEST_FIRST, 'any');
  /** Every row that the referrals of a batch of customers point to; each key gets them all. */
  const referencedBy = <T extends { id: string }>(model: ModelName, sql: string) =>
    new DataLoader<string, T[]>(async (ids) => {
      const rows = await rowsOf<T>(model, sql, [[...ids], ...tenant]);
      return ids.map(() => rows);
    });
  const referralRewards = referencedBy<Reward>(
    'Reward',
    `SELECT c.* FROM "Reward" c JOIN "Customer" p ON p.id = c."customerId"
     WHERE c.id IN (SELECT "rewardId" FROM "Referral" WHERE "customerId" = ANY(${CALLERS_CUSTOMERS}))
       AND p."accountId" = $2 AND p.env = $3::"Environment" AND p."deletedAt" IS NULL`,
  );
  const referredCustomers = referencedBy<Customer>(
    'Customer',
    `SELECT * FROM "Customer" WHERE id IN (SELECT "referredCustomerId" FROM "Referral" WHERE "customerId" = ANY(${CALLERS_CUSTOMERS}))
       AND "accountId" = $2 AND env = $3::"Environment"`,
  );

  /**
   * A customer's referrals, with the rewards and referred customers they point to read in the
   * same round trip and handed to the node and customer loaders (null for what the caller cannot
   * see) before the referrals are returned.
   */
  async function referralsWith(customerId: string, also: { reward: boolean; referredCustomer: boolean }): Promise<Referral[]> {
    const [rows, rewards, customers] = await Promise.all([
      referrals.load(customerId),
      also.reward ? referralRewards.load(customerId) : undefined,
      also.referredCustomer ? referredCustomers.load(customerId) : undefined,
    ]);
    if (rewards)
      primeFound(
        nodes.Reward,
        rows.map((row) => row.rewardId),
        rewards,
      );
    if (customers)
      primeFound(
        customer,
        rows.map((row) => row.referredCustomerId),
        customers,
      );
    return rows;
  }

  return {
    /** A read of its own, sent with the loaders' reads of the same turn. */
    read: batch.read,
    customer,
    nodes,
    subscriptions: ofCustomers<Subscription>('Subscription', NEWEST_FIRST, 'customer'),
    purchases: ofCustomers<Purchase>('Purchase', NEWEST_FIRST, 'customer'),
    balances: ofCustomers<Balance>('Balance', BY_FEATURE, 'customer'),
    balanceByFeature: {
      load: (customerId: string, featureId: string) => balanceByFeature.load(JSON.stringify([customerId, featureId])),
    },
    entitiesWithLists,
    entityLists,
    trialsUsed: ofCustomers<TrialUsed>('TrialUsed', NEWEST_FIRST, 'any'),
    rewards: ofCustomers<Reward>('Reward', NEWEST_FIRST, 'any'),
    referralsWith,
    defaultPaymentMethod: new DataLoader<string, PaymentMethod | null>(async (ids) => {
      const rows = await rowsOf<PaymentMethod>(
        'PaymentMethod',
        `SELECT * FROM "PaymentMethod" WHERE "customerId" = ANY(${CALLERS_CUSTOMERS}) AND "isDefault"`,
        [[...ids], ...tenant],
        'r."createdAt", r.id',
      );
      // Should two be marked default, the newest answers.
      const found = new Map(rows.map((row) => [row.customerId, row]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    stats,
    pagedChildren,
  };
}

/** What a loader answers for each of `ids`: the row found with that id, or null. */
function primeFound<T extends { id: string }>(loader: DataLoader<string, T | null>, ids: (string | null)[], found: T[]) {
  const byId = new Map(found.map((row) => [row.id, row]));
  for (const id of ids) if (id) loader.prime(id, byId.get(id) ?? null);
}

export type Loaders = ReturnType<typeof createLoaders>;
