// Statements outside transactions: reads (the compiled read, src/data/compiled-read, sends its
// statements through them) and one-statement writes (a meter without an Idempotency-Key). On
// PostgreSQL they run as named prepared statements with generic plans, planned once per
// connection, and a connection holds a bounded number of them; on PGlite they go through Prisma,
// unprepared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/auth/accounts.ts';
import { CAPACITY } from '../src/config/limits.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers.ts';

const MAX_PREPARED_READS = CAPACITY.preparedReadsPerConnection;

const preparedStatements = (database: TestDatabase) =>
  database.db.read<{ statement: string; generic: number; custom: number }>(
    'SELECT statement, generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name LIKE $1',
    ['s\\_%'],
  );

describe('db.read', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: 1 });
  });
  afterAll(() => database.drop());

  const preparedReads = () => preparedStatements(database);
  const backend = async () => (await database.db.read<{ pid: number }>('SELECT pg_backend_pid() AS pid', []))[0].pid;

  it('answers each execution of a read with its own values; on PostgreSQL plans it once, generically', async () => {
    const read = 'SELECT id FROM "Customer" WHERE id = ANY($1::text[]) OR id = $2';
    for (const id of ['cus_a', 'cus_b', 'cus_c']) expect(await database.db.read(read, [[id], id])).toEqual([]);
    const plans = (await preparedReads()).filter((statement) => statement.statement === read);
    expect(plans).toEqual(onPostgres ? [{ statement: read, generic: 3, custom: 0 }] : []);
  });

  it('plans a read asked to be planned with its values so, and on PostgreSQL switches a connection only when the kind of read changes', async () => {
    const sent: string[] = [];
    const watched = new WeakSet<object>();
    database.db.pool?.on('acquire', (client) => {
      if (watched.has(client)) return;
      watched.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      client.query = ((config: unknown, ...rest: unknown[]) => {
        sent.push(typeof config === 'string' ? config : (config as { text: string }).text);
        return query(config, ...rest);
      }) as typeof client.query;
    });
    const modes: string[] = [];
    for (const prepared of [false, false, true, false, true, true]) {
      const [{ mode }] = await database.db.read<{ mode: string }>('SELECT current_setting($1) AS mode', ['plan_cache_mode'], { prepared });
      modes.push(mode);
    }
    const [valued, generic] = onPostgres ? ['auto', 'force_generic_plan'] : ['auto', 'auto'];
    expect(modes).toEqual([valued, valued, generic, valued, generic, generic]);
    // Four switches; not a setting made and undone around each of the three reads planned with values.
    expect(sent.filter((text) => text.startsWith('SET '))).toHaveLength(onPostgres ? 4 : 0);
  });

  it(`answers any number of different reads; on PostgreSQL keeps the ${MAX_PREPARED_READS} used last prepared on a connection, and the connection`, async () => {
    const connection = await backend();
    const text = (n: number) => `SELECT $1::int + ${n} AS n`;
    for (let n = 0; n < MAX_PREPARED_READS * 1.5; n++) {
      expect(await database.db.read<{ n: number }>(text(n), [1])).toEqual([{ n: n + 1 }]);
    }
    // Long since put aside, prepared again when it comes back.
    expect(await database.db.read<{ n: number }>(text(0), [2])).toEqual([{ n: 2 }]);
    const held = (await preparedReads()).map((prepared) => prepared.statement);
    if (onPostgres) {
      expect(held).toHaveLength(MAX_PREPARED_READS);
      expect(held).toEqual(expect.arrayContaining([text(0), text(MAX_PREPARED_READS * 1.5 - 1)]));
      expect(held).not.toContain(text(1));
      expect(await backend()).toBe(connection);
    } else {
      expect(held).toEqual([]);
    }
  });
  it('puts aside only what it prepared: a read that failed to parse leaves nothing to deallocate', async () => {
    await expect(database.db.read('SELECT n FROM no_such_table', [])).rejects.toThrow();
    const connection = await backend();
    for (let n = 0; n < MAX_PREPARED_READS + 10; n++) {
      expect(await database.db.read<{ n: number }>(`SELECT $1::int - ${n} AS n`, [n])).toEqual([{ n: 0 }]);
    }
    if (onPostgres) expect(await backend()).toBe(connection);
  });

  it('keeps the statements prepared on a connection within their characters in all, putting aside those used least recently', async () => {
    const budget = CAPACITY.preparedReadCharactersPerConnection;
    // Padded so that a few fill the budget: a plan's memory grows with its statement.
    const text = (n: number) => `SELECT $1::int + ${n} AS n /* ${'x'.repeat(Math.ceil(budget / 4))} */`;
    for (let n = 0; n < 8; n++) expect(await database.db.read<{ n: number }>(text(n), [1])).toEqual([{ n: n + 1 }]);
    const held = (await preparedReads()).map((prepared) => prepared.statement);
    if (onPostgres) {
      expect(held.reduce((sum, statement) => sum + statement.length, 0)).toBeLessThanOrEqual(budget);
      expect(held).toEqual(expect.arrayContaining([text(6), text(7)]));
      expect(held).not.toContain(text(3));
    } else {
      expect(held).toEqual([]);
    }
  });
});

describe('db.write', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: 1 });
  });
  afterAll(() => database.drop());

  it('commits each write alone and answers its rows as Prisma types them; on PostgreSQL plans it once, generically', async () => {
    const { prisma } = database.db;
    const account = await createAccount(prisma, 'Writer');
    await prisma.customer.create({ data: { id: 'cus_writer', accountId: account.accountId, env: 'TEST' } });
    await prisma.balance.create({
      data: {
        id: 'bal_writer',
        customerId: 'cus_writer',
        featureId: 'api',
        granted: 2n ** 60n,
        interval: 'MONTH',
        nextResetAt: new Date(),
      },
    });
    const write = 'UPDATE "Balance" SET usage = usage + $1::bigint, "updatedAt" = now() AT TIME ZONE \'UTC\' WHERE id = $2 RETURNING *';
    for (let n = 1n; n <= 3n; n++) {
      const [written] = await database.db.write(write, [2n ** 53n + n, 'bal_writer']);
      expect(written).toEqual(await prisma.balance.findUniqueOrThrow({ where: { id: 'bal_writer' } }));
    }
    expect((await prisma.balance.findUniqueOrThrow({ where: { id: 'bal_writer' } })).usage).toBe(3n * 2n ** 53n + 6n);
    const plans = (await preparedStatements(database)).filter((statement) => statement.statement === write);
    expect(plans).toEqual(onPostgres ? [{ statement: write, generic: 3, custom: 0 }] : []);
  });
});

describe('statementTimeoutMs', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ statementTimeoutMs: 100 });
  });
  afterAll(() => database.drop());

  it("on PostgreSQL has the server cancel a statement of the pool that runs longer, read or Prisma's; PGlite has no limit", async () => {
    const statements = [
      () => database.db.read('SELECT 1 AS n FROM pg_sleep(0.5)', []),
      () => database.db.prisma.$queryRaw`SELECT 1 AS n FROM pg_sleep(0.5)`,
    ];
    for (const statement of statements) {
      if (onPostgres) await expect(statement()).rejects.toThrow(/statement timeout/);
      else await expect(statement()).resolves.toHaveLength(1);
    }
    expect(await database.db.read<{ n: number }>('SELECT 1 AS n', [])).toEqual([{ n: 1 }]);
  });
});
