import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { productionLaunch } from '../bench/servers.ts';
import { DEMO_CUSTOMER_COUNT, seedDemo } from '../src/demo/seed.ts';
import { createTestDatabase } from './helpers.ts';

const root = new URL('..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'cg-start-'));
const demoKey = 'sk_test_StartTestKey0000000000000001';

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/**
 * Starts the server and waits for it to listen: with `npm start` as a new user would (which builds
 * dist/ first), or with the node command it wraps, whose exit code is the server's own (npm dies
 * of the signal itself).
 */
function start(env: Record<string, string>, command: 'npm start' | 'node'): Promise<Started> {
  const launch = productionLaunch();
  const [file, args] = command === 'npm start' ? ['npm', ['start', '--silent']] : [process.execPath, [...launch.execArgv, 'dist/main.js']];
  const child = spawn(file, args, {
    cwd: root,
    env: { ...process.env, ...(command === 'node' ? launch.env : {}), PORT: '0', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen in time:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/localhost:\d+\/graphql)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

/**
 * Sends SIGTERM to the process, or to its whole process group as a terminal does. Resolves once
 * its output is closed: npm can exit before the server it started has written its last lines.
 */
function stop({ child }: Started, target: 'process' | 'group'): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('close', (code) => resolve(code));
    if (target === 'group') process.kill(-child.pid!, 'SIGTERM');
    else child.kill('SIGTERM');
  });
}

async function query(url: string, key: string | undefined, body: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query: body }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: unknown[] } };
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start on the embedded database', () => {
  it('migrates, seeds once, answers with the demo key, refuses without it, and stops cleanly', async () => {
    const first = await start({ DATA_DIR: dataDir, SEED_API_KEY: demoKey }, 'npm start');
    try {
      expect(first.output()).toContain(`embedded PGlite in ${dataDir}`);
      expect(first.output()).toContain('Seeded the demo account');
      expect(first.output()).toContain(`Demo API key (TEST): ${demoKey}`);
      const answer = await query(first.url, demoKey, '{ customers(first: 5) { totalCount edges { node { id email } } } }');
      expect(answer.status).toBe(200);
      expect(answer.body.data.customers.totalCount).toBe(DEMO_CUSTOMER_COUNT);
      expect(answer.body.data.customers.edges).toHaveLength(5);
      for (const { node } of answer.body.data.customers.edges) expect(node.email).toMatch(/@example\.com$/);
      expect((await query(first.url, undefined, '{ customers(first: 5) { edges { node { id } } } }')).status).toBe(401);
    } finally {
      await stop(first, 'group');
    }
    expect(first.output()).toContain('SIGTERM: finishing requests in flight, then closing the database');

    const second = await start({ DATA_DIR: dataDir, SEED_API_KEY: demoKey }, 'node');
    try {
      expect(second.output()).not.toContain('Seeded');
      expect(second.output()).toContain('Migrations: up to date');
      const answer = await query(second.url, demoKey, '{ customers { totalCount } }');
      expect(answer.body.data.customers.totalCount).toBe(DEMO_CUSTOMER_COUNT);
    } finally {
      expect(await stop(second, 'process')).toBe(0);
    }
  });
});

describe('seeding', () => {
  it('is idempotent on any database and adds a given key only once', async () => {
    const { db, drop } = await createTestDatabase();
    try {
      const first = await seedDemo(db.prisma);
      expect(first.seeded).toBe(true);
      expect(first.apiKey).toMatch(/^sk_test_/);
      const counts = async () => ({
        customers: await db.prisma.customer.count(),
        subscriptions: await db.prisma.subscription.count(),
        invoices: await db.prisma.invoice.count(),
        events: await db.prisma.event.count(),
        keys: await db.prisma.apiKey.count(),
      });
      const after = await counts();
      expect(after.customers).toBe(DEMO_CUSTOMER_COUNT);
      // Besides its creation, a customer has the events of the verbs that made its billing.
      expect(await db.prisma.event.count({ where: { type: 'CUSTOMER_CREATED' } })).toBe(DEMO_CUSTOMER_COUNT);
      expect(after.events).toBeGreaterThan(DEMO_CUSTOMER_COUNT);
      expect(await seedDemo(db.prisma)).toEqual({ seeded: false });
      expect(await counts()).toEqual(after);
      expect(await seedDemo(db.prisma, { seedApiKey: demoKey })).toEqual({ seeded: false, apiKey: demoKey });
      expect(await seedDemo(db.prisma, { seedApiKey: demoKey })).toEqual({ seeded: false });
      expect(await counts()).toEqual({ ...after, keys: after.keys + 1 });
    } finally {
      await drop();
    }
  });

  it('gives every customer realistic data of every kind', async () => {
    const { db, drop } = await createTestDatabase();
    try {
      await seedDemo(db.prisma);
      const p = db.prisma;
      for (const count of [
        p.subscription.count(),
        p.purchase.count(),
        p.balance.count(),
        p.invoice.count(),
        p.charge.count(),
        p.entity.count(),
        p.trialUsed.count(),
        p.reward.count(),
        p.referral.count(),
        p.paymentMethod.count(),
      ]) {
        expect(await count).toBeGreaterThan(5);
      }
      const statuses = await p.subscription.groupBy({ by: ['status'], _count: true });
      expect(statuses.length).toBeGreaterThanOrEqual(3);
      expect(await p.customer.count({ where: { subscriptions: { none: {} } } })).toBe(0);
    } finally {
      await drop();
    }
  });

  it('tells the truth: balances are what attached plans granted less what was tracked, each verb with its event', async () => {
    const { db, drop } = await createTestDatabase();
    try {
      const before = Date.now();
      await seedDemo(db.prisma);
      const p = db.prisma;
      const DAY = 86_400_000;
      const plans = await p.plan.findMany({ include: { features: true } });
      expect(plans.map((plan) => plan.id).filter((id) => !id.startsWith('demo_'))).toEqual([]);
      const subscriptions = await p.subscription.findMany();
      expect(subscriptions.filter((s) => !plans.some((plan) => plan.id === s.planId)).map((s) => s.planId)).toEqual([]);
      for (const s of subscriptions) {
        expect(s.currentPeriodStart!.getTime()).toBeGreaterThanOrEqual(s.startedAt.getTime());
        expect(s.currentPeriodEnd!.getTime()).toBeGreaterThanOrEqual(s.currentPeriodStart!.getTime());
        if (s.expiresAt) expect(s.currentPeriodStart!.getTime()).toBeLessThanOrEqual(s.expiresAt.getTime());
      }
      // Each balance of an owner whose billing a verb made holds the grants of its live subscriptions.
      const granting = subscriptions.filter((s) => (s.grants as unknown[]).length > 0);
      expect(granting.length).toBeGreaterThanOrEqual(20);
      const live = granting.filter((s) => s.status === 'ACTIVE');
      const owner = (row: { customerId: string; entityId: string | null }) => `${row.customerId}/${row.entityId}`;
      const owners = new Set(granting.map(owner));
      const balances = (await p.balance.findMany()).filter((b) => owners.has(owner(b)));
      for (const balance of balances) {
        const grants = live
          .filter((s) => owner(s) === owner(balance))
          .flatMap((s) => s.grants as { featureId: string; included: string }[])
          .filter((g) => g.featureId === balance.featureId);
        expect(grants.length, `${owner(balance)} ${balance.featureId}`).toBeGreaterThan(0);
        expect(balance.granted).toBe(grants.reduce((sum, g) => sum + BigInt(g.included), 0n));
      }
      expect(balances.filter((b) => b.usage > 0n).length).toBeGreaterThan(10);
      for (const b of await p.balance.findMany()) {
        if (!b.unlimited && !b.overageAllowed) expect(b.usage, `${b.featureId} of ${b.customerId}`).toBeLessThanOrEqual(b.granted);
      }
      const events = await p.event.findMany({ where: { type: { not: 'CUSTOMER_CREATED' } } });
      const subscriptionIds = new Set(
        events.filter((e) => e.type === 'SUBSCRIPTION_CREATED').map((e) => (e.data as { subscriptionId: string }).subscriptionId),
      );
      expect(granting.filter((s) => !subscriptionIds.has(s.id))).toEqual([]);
      for (const type of ['USAGE_TRACKED', 'USAGE_SET', 'ENTITY_CREATED', 'REFERRAL_REDEEMED', 'SUBSCRIPTION_CANCELED'] as const) {
        expect(events.filter((e) => e.type === type).length, type).toBeGreaterThan(0);
      }
      const entities = await p.entity.findMany({ where: { featureId: 'seats' } });
      expect(entities.length).toBeGreaterThan(5);
      expect((await p.referralCode.count()) + (await p.trialUsed.count())).toBeGreaterThan(5);

      const invoices = await p.invoice.findMany();
      for (const c of await p.customer.findMany()) {
        expect(c.locale ?? 'en', c.id).toMatch(/^[a-z]{2,3}(-[A-Z]{2})?$/);
        const own = invoices.filter((inv) => inv.customerId === c.id);
        expect(new Set(own.map((inv) => inv.createdAt.getTime())).size, `invoice times of ${c.id}`).toBe(own.length);
        const pastDue = own.some((inv) => inv.status === 'OPEN' && inv.createdAt.getTime() < before - 30 * DAY);
        expect(c.delinquent, `delinquent ${c.id}`).toBe(pastDue);
      }
      expect(await p.charge.count({ where: { createdAt: { gt: new Date() } } })).toBe(0);
      for (const reward of await p.reward.findMany()) {
        if (reward.type === 'FREE_PRODUCT') expect(reward.duration).toBe('ONCE');
        expect(reward.durationInMonths !== null).toBe(reward.duration === 'REPEATING');
      }
    } finally {
      await drop();
    }
  });
});
