import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, type NewAccount } from '../src/auth/accounts.ts';
import { createTestApp, createTestDatabase, onPostgres, type TestApp, type TestDatabase } from './helpers.ts';
import { post, type ServerProcess, startServerProcess } from './support/server-process.ts';
import { recordTrust } from './support/trust-record.ts';

const CREATE = 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id version } userErrors { code } } }';
const UPDATE =
  'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id version metadata } userErrors { code } } }';
const DELETE = 'mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { deletedCustomerId userErrors { code } } }';
const CREATE_PLAN = 'mutation($input: CreatePlanInput!) { createPlan(input: $input) { plan { id } userErrors { code } } }';
const ATTACH = 'mutation($input: AttachPlanInput!) { attachPlan(input: $input) { subscription { id } userErrors { code } } }';
const TRACK = 'mutation($input: TrackUsageInput!) { trackUsage(input: $input) { balance { usage } userErrors { code } } }';
const CREATE_ENTITY = 'mutation($input: CreateEntityInput!) { createEntity(input: $input) { entity { id } userErrors { code } } }';

describe('optimistic concurrency: a stale expectedVersion is VERSION_CONFLICT and writes nothing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('on updateCustomer and deleteCustomer', async () => {
    const created = await t.request(CREATE, { input: { name: 'Versioned' } });
    const id = created.data?.createCustomer.customer.id;
    expect(created.data?.createCustomer.customer.version).toBe(1);
    const updated = await t.request(UPDATE, { input: { id, expectedVersion: 1, name: 'Read at 1' } });
    expect(updated.data?.updateCustomer.customer.version).toBe(2);

    const before = await t.prisma.customer.findUniqueOrThrow({ where: { id } });
    const eventsBefore = await t.prisma.event.count({ where: { customerId: id } });
    const staleUpdate = await t.request(UPDATE, { input: { id, expectedVersion: 1, name: 'Also read at 1' } });
    expect(staleUpdate.data?.updateCustomer).toEqual({ customer: null, userErrors: [{ code: 'VERSION_CONFLICT' }] });
    const staleDelete = await t.request(DELETE, { input: { id, expectedVersion: 1 } });
    expect(staleDelete.data?.deleteCustomer).toEqual({ deletedCustomerId: null, userErrors: [{ code: 'VERSION_CONFLICT' }] });
    expect(await t.prisma.customer.findUniqueOrThrow({ where: { id } })).toEqual(before);
    expect(await t.prisma.event.count({ where: { customerId: id } })).toBe(eventsBefore);

    const current = await t.request(DELETE, { input: { id, expectedVersion: 2 } });
    expect(current.data?.deleteCustomer).toEqual({ deletedCustomerId: id, userErrors: [] });
  });
});

// Needs a database server shared by processes (or one that can be cut off): PostgreSQL only.
if (onPostgres)
  describe('concurrent writes through two server processes on one PostgreSQL database', () => {
    let database: TestDatabase;
    let account: NewAccount;
    let servers: ServerProcess[];

    beforeAll(async () => {
      database = await createTestDatabase();
      account = await createAccount(database.db.prisma, 'Concurrent Ltd');
      servers = await Promise.all([startServerProcess({ DATABASE_URL: database.url }), startServerProcess({ DATABASE_URL: database.url })]);
      // A new process compiles its queries on first use: warm both, so the bursts below measure
      // concurrency rather than start-up on a busy machine.
      for (const server of servers) await post(server.origin, account.testKey, CREATE, { input: { name: 'Warm-up' } });
    });
    afterAll(async () => {
      await Promise.all((servers ?? []).map((server) => server.stop()));
      await database?.drop();
    });

    /** n requests at once, alternating between the two processes. */
    function concurrently(
      n: number,
      request: (i: number) => { query: string; variables: Record<string, unknown>; headers?: Record<string, string> },
    ) {
      return Promise.all(
        Array.from({ length: n }, (_, i) => {
          const { query, variables, headers } = request(i);
          return post(servers[i % 2].origin, account.testKey, query, variables, headers);
        }),
      );
    }
    const codes = (answers: { data?: any }[], field: string) =>
      answers.map((a) => a.data?.[field]?.userErrors.map((e: { code: string }) => e.code).join(',') || 'ok');
    const count = (list: string[], value: string) => list.filter((x) => x === value).length;
    const prisma = () => database.db.prisma;

    it('50 creates with one email: exactly one customer and 49 EMAIL_TAKEN', async () => {
      const answers = await concurrently(50, () => ({ query: CREATE, variables: { input: { email: 'one@example.com' } } }));
      const outcome = codes(answers, 'createCustomer');
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect({ ok: count(outcome, 'ok'), taken: count(outcome, 'EMAIL_TAKEN') }).toEqual({ ok: 1, taken: 49 });
      const customers = await prisma().customer.findMany({ where: { email: 'one@example.com' } });
      expect(customers).toHaveLength(1);
      expect(await prisma().event.count({ where: { customerId: customers[0].id } })).toBe(1);
      recordTrust({
        attack: 'Concurrency: 50 creates, one email, 2 processes',
        tries: 50,
        outcome: '1 created, 49 × EMAIL_TAKEN',
        rowsChanged: '1 customer + 1 event',
        lostWrites: 0,
        doubledWrites: 0,
      });
    });

    it('50 creates with one Idempotency-Key: one customer, every answer names it', async () => {
      const answers = await concurrently(50, () => ({
        query: CREATE,
        variables: { input: { name: 'Keyed' } },
        headers: { 'idempotency-key': 'concurrent-key' },
      }));
      const ids = new Set(answers.map((a) => a.data?.createCustomer.customer?.id));
      expect(ids.size).toBe(1);
      expect(await prisma().customer.count({ where: { name: 'Keyed' } })).toBe(1);
      recordTrust({
        attack: 'Idempotency: 50 concurrent creates, one key, 2 processes',
        tries: 50,
        outcome: '1 created, 49 replays of it',
        rowsChanged: '1 customer + 1 event',
        doubledWrites: 0,
      });
    });

    it('50 updates each adding its own metadata key: all 50 keys, 50 events, version 51 (no lost update)', async () => {
      const created = await post(servers[0].origin, account.testKey, CREATE, { input: { name: 'Shared' } });
      const id = created.data.createCustomer.customer.id;
      const answers = await concurrently(50, (i) => ({
        query: UPDATE,
        variables: { input: { id, metadata: { [`key_${i}`]: `value_${i}` } } },
      }));
      expect(codes(answers, 'updateCustomer').every((c) => c === 'ok')).toBe(true);
      // Every update saw the one before it: the versions they answered are 2..51, each once.
      expect(answers.map((a) => a.data.updateCustomer.customer.version).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 2),
      );
      const stored = await prisma().customer.findUniqueOrThrow({ where: { id } });
      expect(Object.keys(stored.metadata as object).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `key_${i}`).sort());
      expect(stored.version).toBe(51);
      expect(await prisma().event.count({ where: { customerId: id, type: 'CUSTOMER_UPDATED' } })).toBe(50);
      recordTrust({
        attack: 'Concurrency: 50 updates of one customer, each its own metadata key, 2 processes',
        tries: 50,
        outcome: '50 applied, all 50 keys kept, version 51',
        rowsChanged: '1 customer + 50 events',
        lostWrites: 0,
        doubledWrites: 0,
      });
    });

    it('20 updates with the same expectedVersion: one wins, 19 VERSION_CONFLICT', async () => {
      const created = await post(servers[0].origin, account.testKey, CREATE, { input: { name: 'Contested' } });
      const id = created.data.createCustomer.customer.id;
      const answers = await concurrently(20, (i) => ({
        query: UPDATE,
        variables: { input: { id, expectedVersion: 1, name: `Writer ${i}` } },
      }));
      const outcome = codes(answers, 'updateCustomer');
      expect({ ok: count(outcome, 'ok'), conflict: count(outcome, 'VERSION_CONFLICT') }).toEqual({ ok: 1, conflict: 19 });
      const winner = answers[outcome.indexOf('ok')];
      const stored = await prisma().customer.findUniqueOrThrow({ where: { id } });
      expect(stored.version).toBe(2);
      expect(stored.name).toBe(`Writer ${answers.indexOf(winner)}`);
      expect(await prisma().event.count({ where: { customerId: id, type: 'CUSTOMER_UPDATED' } })).toBe(1);
      recordTrust({
        attack: 'Concurrency: 20 updates with one expectedVersion, 2 processes',
        tries: 20,
        outcome: '1 applied, 19 × VERSION_CONFLICT',
        rowsChanged: '1 customer + 1 event',
        lostWrites: 0,
        doubledWrites: 0,
      });
    });

    it('deletes and updates of one customer at once: one delete, updates before it only, events to match', async () => {
      const created = await post(servers[0].origin, account.testKey, CREATE, { input: { name: 'Doomed', email: 'doomed@example.com' } });
      const id = created.data.createCustomer.customer.id;
      const answers = await concurrently(50, (i) =>
        i % 5 === 0
          ? { query: DELETE, variables: { input: { id } } }
          : { query: UPDATE, variables: { input: { id, metadata: { [`k${i}`]: 'v' } } } },
      );
      const deletes = codes(
        answers.filter((_, i) => i % 5 === 0),
        'deleteCustomer',
      );
      const updates = codes(
        answers.filter((_, i) => i % 5 !== 0),
        'updateCustomer',
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect({ ok: count(deletes, 'ok'), notFound: count(deletes, 'NOT_FOUND') }).toEqual({ ok: 1, notFound: 9 });
      const applied = count(updates, 'ok');
      expect(applied + count(updates, 'NOT_FOUND')).toBe(40);

      const stored = await prisma().customer.findUniqueOrThrow({ where: { id } });
      const events = await prisma().event.findMany({ where: { customerId: id } });
      expect(stored.deletedAt).not.toBeNull();
      expect(stored.email).toBeNull();
      expect(stored.metadata).toEqual({});
      // created (1) + each applied update (+1) + the delete (+1): no write lost, none after the delete.
      expect(stored.version).toBe(1 + applied + 1);
      const ofType = (type: string) => events.filter((e) => e.type === type);
      expect([ofType('CUSTOMER_CREATED').length, ofType('CUSTOMER_UPDATED').length, ofType('CUSTOMER_DELETED').length]).toEqual([
        1,
        applied,
        1,
      ]);
      const deletedAt = ofType('CUSTOMER_DELETED')[0].createdAt.getTime();
      for (const update of ofType('CUSTOMER_UPDATED')) expect(update.createdAt.getTime()).toBeLessThanOrEqual(deletedAt);
      const versionsSeen = answers.flatMap((a) => (a.data?.updateCustomer?.customer ? [a.data.updateCustomer.customer.version] : []));
      expect(versionsSeen.sort((a, b) => a - b)).toEqual(Array.from({ length: applied }, (_, i) => i + 2));
      recordTrust({
        attack: 'Concurrency: 10 deletes + 40 updates of one customer, 2 processes',
        tries: 50,
        outcome: `1 deleted, 9 × NOT_FOUND; ${applied} updates before it, ${40 - applied} × NOT_FOUND after`,
        rowsChanged: `1 customer; events: ${applied + 1}`,
        lostWrites: 0,
        doubledWrites: 0,
      });
    });

    it('200 trackUsage of 1 against a balance of 100 without overage: usage exactly 100, 100 refused, 100 events', async () => {
      const created = await post(servers[0].origin, account.testKey, CREATE, { input: { name: 'Metered' } });
      const customerId = created.data.createCustomer.customer.id;
      const plan = await post(servers[0].origin, account.testKey, CREATE_PLAN, {
        input: { id: 'metered', name: 'Metered', features: [{ featureId: 'api_calls', included: '100', interval: 'MONTH' }] },
      });
      expect(plan.data.createPlan.userErrors).toEqual([]);
      const attached = await post(servers[1].origin, account.testKey, ATTACH, { input: { customerId, planId: 'metered' } });
      expect(attached.data.attachPlan.userErrors).toEqual([]);
      const answers = await concurrently(200, () => ({ query: TRACK, variables: { input: { customerId, featureId: 'api_calls' } } }));
      const outcome = codes(answers, 'trackUsage');
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect({ ok: count(outcome, 'ok'), refused: count(outcome, 'INSUFFICIENT_BALANCE') }).toEqual({ ok: 100, refused: 100 });
      const balance = await prisma().balance.findFirstOrThrow({ where: { customerId, featureId: 'api_calls' } });
      expect(balance.usage).toBe(100n);
      expect(await prisma().event.count({ where: { customerId, type: 'USAGE_TRACKED' } })).toBe(100);
      // Every success answered a distinct usage: 1..100, each once.
      const usages = answers.flatMap((a) => (a.data.trackUsage.balance ? [Number(a.data.trackUsage.balance.usage)] : []));
      expect(usages.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      recordTrust({
        attack: 'Metering: 200 trackUsage of 1 against 100 left, no overage, 2 processes',
        tries: 200,
        outcome: '100 metered, 100 × INSUFFICIENT_BALANCE, usage 100',
        rowsChanged: '1 balance + 100 events',
        lostWrites: 0,
        doubledWrites: 0,
      });
    });

    it('30 seats asked for 10 left: 10 entities, 20 INSUFFICIENT_BALANCE', async () => {
      const created = await post(servers[0].origin, account.testKey, CREATE, { input: { name: 'Seated' } });
      const customerId = created.data.createCustomer.customer.id;
      await post(servers[0].origin, account.testKey, CREATE_PLAN, {
        input: { id: 'seats10', name: 'Ten seats', features: [{ featureId: 'seats', included: '10', interval: 'ONE_OFF' }] },
      });
      await post(servers[1].origin, account.testKey, ATTACH, { input: { customerId, planId: 'seats10' } });
      const answers = await concurrently(30, (i) => ({
        query: CREATE_ENTITY,
        variables: { input: { customerId, externalId: `seat_${i}`, featureId: 'seats' } },
      }));
      const outcome = codes(answers, 'createEntity');
      expect({ ok: count(outcome, 'ok'), refused: count(outcome, 'INSUFFICIENT_BALANCE') }).toEqual({ ok: 10, refused: 20 });
      expect(await prisma().entity.count({ where: { customerId } })).toBe(10);
      const seats = await prisma().balance.findFirstOrThrow({ where: { customerId, featureId: 'seats', entityId: null } });
      expect(seats.usage).toBe(10n);
    });
  });
