import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_CHANNEL, createApiKeyCache } from '../src/auth/api-key-cache.ts';
import { type Caller, createApiKey, hashApiKey, revokeApiKey } from '../src/auth/api-keys.ts';
import type { ChannelHandlers } from '../src/data/database.ts';
import { createTestApp, onPostgres, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const TYPENAME = '{ __typename }';

const status = async (key: string) => (await t.request(TYPENAME, undefined, { key })).status;

/** SQL statements of one `{ __typename }` request: only the key lookup, if there is one. */
function statementsOf(key: string): Promise<string[]> {
  const before = t.statements.length;
  return t.request(TYPENAME, undefined, { key }).then(() => t.statements.slice(before));
}

/** A new key that authenticated and is now answered from the cache (which needs the app to listen). */
async function cachedKey(): Promise<string> {
  const key = await createApiKey(t.prisma, t.merchant.accountId, 'TEST');
  await expect.poll(async () => (await statementsOf(key)).length, { timeout: 10_000, interval: 20 }).toBe(0);
  return key;
}

describe('cached API keys', () => {
  it('looks a key up once; later requests with it run no statement', async () => {
    const key = await createApiKey(t.prisma, t.merchant.accountId, 'TEST');
    const first = await statementsOf(key);
    expect(first).toHaveLength(1);
    expect(first[0]).toContain('"ApiKey"');
    expect(await t.countStatements(() => t.request(TYPENAME, undefined, { key }))).toBe(0);
    expect(await t.countStatements(() => t.request(TYPENAME, undefined, { key }))).toBe(0);
  });

  it('keeps no unknown key: each is looked up again', async () => {
    const unknown = `sk_test_${'0'.repeat(30)}`;
    expect(await statementsOf(unknown)).toHaveLength(1);
    expect(await statementsOf(unknown)).toHaveLength(1);
    expect(await status(unknown)).toBe(401);
  });

  it('refuses a cached key from the request after revokeApiKey', async () => {
    const key = await cachedKey();
    expect(await status(key)).toBe(200);
    expect((await revokeApiKey(t.prisma, key))?.newlyRevoked).toBe(true);
    expect(await status(key)).toBe(401);
    expect(await status(t.merchant.testKey)).toBe(200);
  });

  it('refuses a cached key once its row is deleted', async () => {
    const key = await cachedKey();
    await t.prisma.apiKey.delete({ where: { hash: hashApiKey(key) } });
    expect(await status(key)).toBe(401);
  });
});

// Another process is another connection, which only a database server has.
if (onPostgres)
  describe('cached API keys, changed by another process', () => {
    let other: pg.Client;
    beforeAll(async () => {
      other = new pg.Client({ connectionString: t.url });
      await other.connect();
    });
    afterAll(() => other?.end());

    it('refuses a cached key revoked by a plain UPDATE on another connection', async () => {
      const key = await cachedKey();
      await other.query('UPDATE "ApiKey" SET "revokedAt" = now() WHERE hash = $1', [hashApiKey(key)]);
      expect(await status(key)).toBe(401);
    });

    it('forgets every key when the table is truncated', async () => {
      const key = await cachedKey();
      await other.query('BEGIN');
      await other.query('CREATE TEMP TABLE saved ON COMMIT DROP AS SELECT * FROM "ApiKey"');
      await other.query('TRUNCATE "ApiKey"');
      await other.query('INSERT INTO "ApiKey" SELECT * FROM saved WHERE hash <> $1', [hashApiKey(key)]);
      await other.query('COMMIT');
      expect(await status(key)).toBe(401);
      expect(await status(t.merchant.testKey)).toBe(200);
    });

    it('trusts no cached key while its listening connection is down, and caches again once it is back', async () => {
      const key = await cachedKey();
      const { rows } = await other.query(
        'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
        [`listen ${API_KEY_CHANNEL}`],
      );
      // The test app's, and the reference app's beside it (test/helpers.ts), on the same database.
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row: { terminated: boolean }) => row.terminated)).toBe(true);
      // Revoked while nothing listens: no notification will ever tell of it.
      await other.query('UPDATE "ApiKey" SET "revokedAt" = now() WHERE hash = $1', [hashApiKey(key)]);
      expect(await status(key)).toBe(401);
      await cachedKey();
    });
  });

/**
 * A database stand-in whose listening and notifications the test drives; `inTransit` are
 * notifications already committed that reach the process only when it catches up.
 */
function fakeDatabase() {
  let handlers: ChannelHandlers | undefined;
  let listening = false;
  const inTransit: string[] = [];
  return {
    db: {
      listen: (_channel: string, h: ChannelHandlers) => {
        handlers = h;
        return {
          catchUp: async () => {
            for (const payload of inTransit.splice(0)) handlers!.onNotification(payload);
            return listening;
          },
        };
      },
    },
    inTransit,
    notify: (payload: string) => handlers!.onNotification(payload),
    setListening: (now: boolean) => {
      listening = now;
      handlers!.onListening(now);
    },
  };
}

const CALLER: Caller = { accountId: 'acct_1', env: 'TEST', keyId: 'key_1' };

/** A lookup the test finishes when it likes, counting how often it was asked. */
function controlledLookup() {
  let finish: (caller: Caller | undefined) => void = () => {};
  const lookup = {
    calls: 0,
    run: () => {
      lookup.calls++;
      return new Promise<Caller | undefined>((resolve) => (finish = resolve));
    },
    finish: (caller: Caller | undefined) => finish(caller),
  };
  return lookup;
}

describe('the API key cache, step by step', () => {
  it('answers from the cache only after catching up with the notifications committed so far', async () => {
    const { db, inTransit, setListening } = fakeDatabase();
    const cache = createApiKeyCache(db);
    setListening(true);
    let stored: Caller | undefined = CALLER;
    let lookups = 0;
    const lookUp = async () => {
      lookups++;
      return stored;
    };
    await cache.caller('h1', lookUp);
    expect(await cache.caller('h1', lookUp)).toEqual(CALLER);
    expect(lookups).toBe(1);
    stored = undefined;
    inTransit.push('h1');
    expect(await cache.caller('h1', lookUp)).toBeUndefined();
    expect(lookups).toBe(2);
  });

  it('does not keep an answer read while a change to its key arrived', async () => {
    const { db, notify, setListening } = fakeDatabase();
    const cache = createApiKeyCache(db);
    setListening(true);
    const lookup = controlledLookup();
    const inFlight = cache.caller('h1', lookup.run);
    notify('h1');
    lookup.finish(CALLER);
    expect(await inFlight).toEqual(CALLER);
    const again = cache.caller('h1', lookup.run);
    lookup.finish(undefined);
    expect(await again).toBeUndefined();
    expect(lookup.calls).toBe(2);
  });

  it('uses no cached answer while not listening, and starts afresh when listening again', async () => {
    const { db, setListening } = fakeDatabase();
    const cache = createApiKeyCache(db);
    const lookup = controlledLookup();
    const ask = async () => {
      const answer = cache.caller('h1', lookup.run);
      lookup.finish(CALLER);
      return answer;
    };
    await ask();
    await ask();
    expect(lookup.calls).toBe(2);
    setListening(true);
    await ask();
    await ask();
    expect(lookup.calls).toBe(3);
    setListening(false);
    await ask();
    expect(lookup.calls).toBe(4);
    setListening(true);
    await ask();
    expect(lookup.calls).toBe(5);
  });

  it('does not keep an answer read across a lost and regained listener', async () => {
    const { db, setListening } = fakeDatabase();
    const cache = createApiKeyCache(db);
    setListening(true);
    const lookup = controlledLookup();
    const inFlight = cache.caller('h1', lookup.run);
    setListening(false);
    setListening(true);
    lookup.finish(CALLER);
    await inFlight;
    const again = cache.caller('h1', lookup.run);
    lookup.finish(CALLER);
    await again;
    expect(lookup.calls).toBe(2);
  });
});
