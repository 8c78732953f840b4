import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type Limits, limitsFromEnv } from '../src/config/limits.ts';
import { createTestApp, type GraphQLResponse, onPostgres, type TestApp } from './helpers.ts';
import { post, type ServerProcess, startServerProcess } from './support/server-process.ts';
import { recordTrust } from './support/trust-record.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` operations sent at once with `key`, and how they were answered. */
async function burst(t: TestApp, key: string, count: number): Promise<GraphQLResponse[]> {
  return Promise.all(Array.from({ length: count }, () => t.request('{ __typename }', undefined, { key })));
}

const answered = (responses: GraphQLResponse[]) => responses.filter((r) => r.status === 200 && r.data?.__typename === 'Query').length;
const refused = (responses: GraphQLResponse[]) => responses.filter((r) => r.status === 429);

describe('rate limits per API key (RATE_LIMIT_LIVE, RATE_LIMIT_TEST)', () => {
  let t: TestApp;
  const limits: Limits = { ...DEFAULT_LIMITS, rateLimit: { LIVE: 8, TEST: 3 } };

  // createTestApp warms up with the merchant's TEST key; the tests below use keys nothing else sends with.
  beforeAll(async () => {
    t = await createTestApp({ limits, parity: false });
  });
  afterAll(() => t?.close());

  it('answers a key its limit of operations in a second, then 429 RATE_LIMITED with Retry-After', async () => {
    const responses = await burst(t, t.otherMerchant.testKey, 10);
    expect(answered(responses)).toBe(3);
    const tooMany = refused(responses);
    expect(tooMany).toHaveLength(7);
    for (const response of tooMany) {
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
      expect(response.errors?.[0].message).toContain('3 operations a second');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Once the window has passed, the key is served again.
    await sleep(Number(tooMany[0].headers.get('retry-after')) * 1000 + 100);
    expect(answered(await burst(t, t.otherMerchant.testKey, 1))).toBe(1);
    recordTrust({
      attack: 'Rate limit: a burst of 10 operations from one TEST key limited to 3 a second',
      tries: 10,
      outcome: '3 answered, 7 × 429 RATE_LIMITED with Retry-After; served again after it',
      rowsChanged: '0',
    });
  });

  it('holds live and test keys to their own limits, and does not slow other keys', async () => {
    const [live, flooded] = await Promise.all([burst(t, t.otherMerchant.liveKey, 12), burst(t, t.merchant.liveKey, 30)]);
    expect(answered(live)).toBe(8);
    expect(answered(flooded)).toBe(8);
    // While both LIVE keys are over their limit, another key is answered at once.
    const other = await t.request('{ customers(first: 1) { totalCount } }', undefined, { key: t.merchant.testKey });
    expect(other.status).toBe(200);
    expect(other.errors).toBeUndefined();
    recordTrust({
      attack: 'Rate limit: one key floods (30 at once) while others send',
      tries: 43,
      outcome: 'each LIVE key 8 answered (its limit), the rest 429; another key answered meanwhile',
      rowsChanged: '0',
    });
  });
});

describe('rate limit defaults', () => {
  it('are 100 operations a second in live mode and 25 in test mode; 0 turns a limit off', () => {
    expect(limitsFromEnv({}).rateLimit).toEqual({ LIVE: 100, TEST: 25 });
    expect(limitsFromEnv({ RATE_LIMIT_LIVE: '0', RATE_LIMIT_TEST: '7' }).rateLimit).toEqual({ LIVE: 0, TEST: 7 });
    expect(() => limitsFromEnv({ RATE_LIMIT_TEST: '-1' })).toThrow(/RATE_LIMIT_TEST must be a whole number/);
  });

  it('limits a TEST key to 25 operations a second out of the box', async () => {
    const t = await createTestApp({ limits: limitsFromEnv({}), parity: false });
    try {
      expect(answered(await burst(t, t.otherMerchant.testKey, 30))).toBe(25);
    } finally {
      await t.close();
    }
  });

  it('lets everything through when the limit is 0', async () => {
    const t = await createTestApp({ limits: { ...DEFAULT_LIMITS, rateLimit: { LIVE: 0, TEST: 0 } } });
    try {
      expect(answered(await burst(t, t.otherMerchant.testKey, 60))).toBe(60);
    } finally {
      await t.close();
    }
  });
});

describe.runIf(onPostgres)('one limit across server processes sharing the database', () => {
  let t: TestApp;
  let servers: ServerProcess[] = [];
  const LIMIT = 5;

  beforeAll(async () => {
    t = await createTestApp();
    servers = await Promise.all([0, 1].map(() => startServerProcess({ DATABASE_URL: t.url, RATE_LIMIT_TEST: String(LIMIT) })));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await t?.close();
  });

  it(`answers a key at most ${LIMIT} operations a second whichever process it sends to`, async () => {
    // Three seconds of requests, alternating between the processes (each warmed up first with
    // another key): a limit counted per process would answer about twice as many.
    for (const server of servers) expect((await post(server.origin, t.merchant.liveKey, '{ __typename }')).status).toBe(200);
    const key = t.otherMerchant.testKey;
    const started = Date.now();
    let ok = 0;
    let tooMany = 0;
    for (let sent = 0; Date.now() - started < 3000 && sent < 3000; sent++) {
      const response = await post(servers[sent % 2].origin, key, '{ __typename }');
      if (response.status === 200) ok++;
      else if (response.status === 429 && response.errors?.[0].extensions?.code === 'RATE_LIMITED') tooMany++;
      else throw new Error(`unexpected answer ${response.status}`);
    }
    // Three seconds span at most four one-second windows.
    expect(ok).toBeGreaterThanOrEqual(LIMIT);
    expect(ok).toBeLessThanOrEqual(4 * LIMIT);
    expect(tooMany).toBeGreaterThan(0);
    recordTrust({
      attack: `Rate limit across 2 server processes: one key alternating between them for 3 s (limit ${LIMIT}/s)`,
      tries: ok + tooMany,
      outcome: `${ok} answered (at most ${4 * LIMIT} in 3 s), ${tooMany} × 429 RATE_LIMITED`,
      rowsChanged: '0',
    });
  });
});
