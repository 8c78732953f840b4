import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/domain/ids.ts';
import { createTestApp, type ReadPath, type TestApp } from './helpers.ts';

const LIST = `query List($first: Int, $after: String, $last: Int, $before: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {
  customers(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    edges { cursor node { id name email createdAt deleted } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const COUNT = `query Count($filter: CustomerFilter) { customers(first: 1, filter: $filter) { totalCount } }`;

let t: TestApp;
/** The 250 customers of the merchant's TEST environment, in the API's default order. */
let expectedOrder: { id: string; name: string | null; email: string | null; createdAt: Date }[];
const base = Date.parse('2026-01-01T00:00:00.000Z');

beforeAll(async () => {
  t = await createTestApp();
  const rows = Array.from({ length: 250 }, (_, i) => ({
    id: newId('Customer'),
    accountId: t.merchant.accountId,
    env: 'TEST' as const,
    // Groups of five share a creation instant, so the id tie-break matters.
    createdAt: new Date(base + Math.floor(i / 5) * 60_000),
    updatedAt: new Date(base + (250 - i) * 1000),
    name: i % 7 === 0 ? null : `Customer ${String(i % 40).padStart(2, '0')}`,
    email: i % 11 === 0 ? null : `c${i}@example.com`,
    externalId: `ext_${i}`,
    companyName: i % 3 === 0 ? 'Umbrella Labs' : 'Acme',
    metadata: i % 2 === 0 ? { tier: 'gold', region: i % 4 === 0 ? 'eu' : 'us' } : { tier: 'silver' },
  }));
  await t.prisma.customer.createMany({ data: rows });
  // Noise that must never show: another account, the LIVE environment, and deleted customers.
  await t.prisma.customer.createMany({
    data: [
      { id: newId('Customer'), accountId: t.otherMerchant.accountId, env: 'TEST', name: 'Other merchant', email: 'c1@example.com' },
      { id: newId('Customer'), accountId: t.merchant.accountId, env: 'LIVE', name: 'Live', email: 'c2@example.com' },
    ],
  });
  const deleted = await t.request(
    'mutation { createCustomer(input: { name: "Deleted", email: "deleted@example.com" }) { customer { id } } }',
  );
  await t.request('mutation($id: ID!) { deleteCustomer(input: { id: $id }) { deletedCustomerId } }', {
    id: deleted.data!.createCustomer.customer.id,
  });
  expectedOrder = [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
});
afterAll(() => t.close());

async function list(variables: Record<string, unknown>) {
  const res = await t.request(LIST, variables);
  expect(res.errors).toBeUndefined();
  return res.data!.customers;
}

async function pageThrough(variables: Record<string, unknown>, size: number, backward = false) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await list(backward ? { ...variables, last: size, before: cursor } : { ...variables, first: size, after: cursor });
    const pageIds = page.edges.map((e: any) => e.node.id);
    if (backward) ids.unshift(...pageIds);
    else ids.push(...pageIds);
    const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    if (!more) return ids;
    cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
  }
  throw new Error('paging did not end');
}

describe('customers connection', () => {
  it('lists newest first with id as tie-break, 10 by default', async () => {
    const page = await list({});
    expect(page.edges.map((e: any) => e.node.id)).toEqual(expectedOrder.slice(0, 10).map((c) => c.id));
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('pages forward through 250 customers, visiting each exactly once in order', async () => {
    expect(await pageThrough({}, 23)).toEqual(expectedOrder.map((c) => c.id));
  });

  it('pages backward through 250 customers, visiting each exactly once in order', async () => {
    expect(await pageThrough({}, 17, true)).toEqual(expectedOrder.map((c) => c.id));
  });

  it('goes back from a page to the one before it', async () => {
    const first = await list({ first: 30 });
    const second = await list({ first: 30, after: first.pageInfo.endCursor });
    const back = await list({ last: 30, before: second.pageInfo.startCursor });
    expect(back.edges.map((e: any) => e.node.id)).toEqual(first.edges.map((e: any) => e.node.id));
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    expect(second.pageInfo.hasPreviousPage).toBe(true);
  });

  it('takes the last n without a cursor', async () => {
    const page = await list({ last: 5 });
    expect(page.edges.map((e: any) => e.node.id)).toEqual(expectedOrder.slice(-5).map((c) => c.id));
    expect(page.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  it('allows 100 a page and refuses more, or negatives, naming the argument', async () => {
    expect((await list({ first: 100 })).edges).toHaveLength(100);
    for (const [args, argument] of [
      [{ first: 101 }, 'first'],
      [{ last: 1000 }, 'last'],
      [{ first: -1 }, 'first'],
    ] as const) {
      const res = await t.request(LIST, args);
      expect(res.data?.customers ?? null).toBeNull();
      expect(res.errors![0].message).toContain(`Argument "${argument}"`);
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
    const both = await t.request(LIST, { first: 1, last: 1 });
    expect(both.errors![0].message).toMatch(/cannot be combined/);
  });

  it('answers first: 0 with an empty page', async () => {
    const page = await list({ first: 0 });
    expect(page.edges).toEqual([]);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('takes a cursor as the customer it names: with another order the page starts after that customer there', async () => {
    const { endCursor } = (await list({ first: 5 })).pageInfo;
    const named = expectedOrder[4];
    const byName = { field: 'NAME', direction: 'ASC' };
    const inNameOrder = (await pageThrough({ orderBy: byName }, 100)) as string[];
    const after = await list({ first: 3, after: endCursor, orderBy: byName });
    const at = inNameOrder.indexOf(named.id);
    expect(after.edges.map((e: any) => e.node.id)).toEqual(inNameOrder.slice(at + 1, at + 4));
  });

  it('refuses garbage and cursors of another list, naming the argument', async () => {
    const invoiceCursor = Buffer.from('GPC:T:["S:cus_x","D:1700000000000","S:inv_x"]').toString('base64');
    for (const [variables, argument] of [
      [{ first: 5, after: 'not-a-cursor' }, 'after'],
      [{ last: 5, before: Buffer.from('GPC:S:inv_1234').toString('base64') }, 'before'],
      [{ first: 5, after: invoiceCursor }, 'after'],
    ] as const) {
      const res = await t.request(LIST, variables);
      expect(res.errors![0]).toMatchObject({
        message: `Argument "${argument}": is not a cursor of this list`,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  });

  it("reads a cursor naming another account's customer as naming none: an empty page", async () => {
    const foreign = await t.prisma.customer.findFirstOrThrow({ where: { accountId: t.otherMerchant.accountId } });
    const after = Buffer.from(`GPC:S:${foreign.id}`).toString('base64');
    expect((await list({ first: 5, after })).edges).toEqual([]);
    expect((await list({ last: 5, before: after })).edges).toEqual([]);
  });

  it('counts only when totalCount is selected, and counts the filtered list', async () => {
    // Compiled (src/data/compiled-read), the page and its count are one statement; through the
    // resolvers the count is a statement of its own. Unfiltered, the count sums the tally the
    // database keeps (CustomerTally), filtered it counts the list.
    const counted = async (query: string, via: ReadPath = 'app', filter?: Record<string, unknown>) => {
      const before = t.statements.length;
      const res = await t.request(query, { first: 5, filter }, { via });
      expect(res.errors).toBeUndefined();
      const statements = t.statements.slice(before);
      return {
        statements: statements.length,
        counts: statements.some((sql) => /count\(\*\)::int|COUNT\(\*\) AS/.test(sql)),
        total: res.data!.customers.totalCount,
      };
    };
    const goldFilter = { metadata: [{ key: 'tier', value: 'gold' }] };
    expect(await counted(LIST)).toMatchObject({ statements: 1, counts: false });
    expect(await counted(COUNT)).toEqual({ statements: 1, counts: false, total: 250 });
    expect(await counted(COUNT, 'app', goldFilter)).toEqual({ statements: 1, counts: true, total: 125 });
    expect(await counted(LIST, 'resolvers')).toMatchObject({ statements: 1, counts: false });
    expect(await counted(COUNT, 'resolvers')).toEqual({ statements: 1, counts: false, total: 250 });
    expect(await counted(COUNT, 'resolvers', goldFilter)).toEqual({ statements: 1, counts: true, total: 125 });
    const gold = await t.request(COUNT, { filter: { metadata: [{ key: 'tier', value: 'gold' }] } });
    expect(gold.data!.customers.totalCount).toBe(125);
    const all = await t.request(COUNT, { filter: { includeDeleted: true } });
    expect(all.data!.customers.totalCount).toBe(251);
  });
});

describe('filters', () => {
  it('email is the whole address in any case (where Stripe is case-sensitive)', async () => {
    expect((await list({ filter: { email: 'c1@example.com' } })).edges.map((e: any) => e.node.email)).toEqual(['c1@example.com']);
    expect((await list({ filter: { email: 'C1@example.com' } })).edges.map((e: any) => e.node.email)).toEqual(['c1@example.com']);
    expect((await list({ filter: { email: 'c1@example' } })).edges).toEqual([]);
  });

  it('search is a case-insensitive substring of name, email, externalId or companyName', async () => {
    const byName = expectedOrder.filter((c) => c.name?.toLowerCase().includes('customer 3'));
    expect((await pageThrough({ filter: { search: 'CUSTOMER 3' } }, 50)).sort()).toEqual(byName.map((c) => c.id).sort());
    expect((await list({ filter: { search: 'EXT_249' } })).edges).toHaveLength(1);
    expect(await pageThrough({ filter: { search: 'umbrella' } }, 100)).toHaveLength(84);
    expect((await list({ filter: { search: 'C17@EXAMPLE' } })).edges.map((e: any) => e.node.email)).toEqual(['c17@example.com']);
  });

  it('search takes % and _ as the characters they are, not as wildcards', async () => {
    expect(await pageThrough({ filter: { search: '%' } }, 100)).toEqual([]);
    expect((await list({ filter: { search: 'c1_@' } })).edges).toEqual([]);
    expect((await list({ filter: { search: 'c1\\' } })).edges).toEqual([]);
    expect(await pageThrough({ filter: { search: 'EXT_1' } }, 100)).toHaveLength(1 + 10 + 100);
  });

  it('createdAt ranges are exclusive or inclusive as asked', async () => {
    const at = new Date(base + 10 * 60_000).toISOString();
    const gte = await pageThrough({ filter: { createdAt: { gte: at } } }, 100);
    const gt = await pageThrough({ filter: { createdAt: { gt: at } } }, 100);
    const lte = await pageThrough({ filter: { createdAt: { lte: at } } }, 100);
    expect(gte).toHaveLength(250 - 50);
    expect(gt).toHaveLength(250 - 55);
    expect(lte).toHaveLength(55);
    const between = await pageThrough({ filter: { createdAt: { gt: at, lt: new Date(base + 12 * 60_000).toISOString() } } }, 100);
    expect(between).toHaveLength(5);
  });

  it('metadata pairs must all match', async () => {
    expect(
      await pageThrough(
        {
          filter: {
            metadata: [
              { key: 'tier', value: 'gold' },
              { key: 'region', value: 'eu' },
            ],
          },
        },
        100,
      ),
    ).toHaveLength(63);
    expect(await pageThrough({ filter: { metadata: [{ key: 'tier', value: 'bronze' }] } }, 100)).toHaveLength(0);
  });

  it('leaves deleted customers out unless includeDeleted, and shows them as tombstones', async () => {
    const withDeleted = await pageThrough({ filter: { includeDeleted: true } }, 100);
    expect(withDeleted).toHaveLength(251);
    const page = await list({ first: 1, filter: { includeDeleted: true } });
    expect(page.edges.map((e: any) => e.node)).toEqual([expect.objectContaining({ deleted: true, name: null, email: null })]);
    // Its name and email are erased: no search finds it by them.
    expect((await list({ first: 100, filter: { includeDeleted: true, search: 'deleted' } })).edges).toEqual([]);
  });
});

describe('orderBy', () => {
  const compare = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

  it.each([
    ['NAME', 'ASC'],
    ['NAME', 'DESC'],
    ['EMAIL', 'ASC'],
    ['EMAIL', 'DESC'],
    ['UPDATED_AT', 'ASC'],
    ['CREATED_AT', 'ASC'],
  ])('pages by %s %s both ways, nulls last, ties by id', async (field, direction) => {
    const key = { NAME: 'name', EMAIL: 'email', UPDATED_AT: 'updatedAt', CREATED_AT: 'createdAt' }[field] as 'name';
    const rows = await t.prisma.customer.findMany({ where: { accountId: t.merchant.accountId, env: 'TEST', deletedAt: null } });
    const sign = direction === 'ASC' ? 1 : -1;
    const value = (row: (typeof rows)[number]) => {
      const v = row[key] as unknown;
      return v instanceof Date ? v.toISOString() : (v as string | null);
    };
    const expected = [...rows]
      .sort((a, b) => {
        const va = value(a);
        const vb = value(b);
        if (va === null || vb === null) return compare(va, vb) || sign * (a.id < b.id ? -1 : 1);
        return sign * (compare(va, vb) || (a.id < b.id ? -1 : 1));
      })
      .map((row) => row.id);
    const orderBy = { field, direction };
    expect(await pageThrough({ orderBy }, 19)).toEqual(expected);
    expect(await pageThrough({ orderBy }, 31, true)).toEqual(expected);
  });
});
