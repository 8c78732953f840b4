import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ graphiqlApiKey: 'sk_test_GraphiqlDemoKey000000000000' });
});
afterAll(() => t.close());

const QUERY = '{ customers(first: 1) { edges { node { id } } } }';

describe('API keys', () => {
  it.each([
    ['no Authorization header', (): Record<string, string> => ({})],
    ['a malformed key', () => ({ authorization: 'Bearer hello' })],
    ['an unknown key', () => ({ authorization: 'Bearer sk_test_000000000000000000000000' })],
    ['a key with the wrong environment prefix', () => ({ authorization: `Bearer ${t.merchant.testKey.replace('sk_test_', 'sk_live_')}` })],
    ['a key without the Bearer scheme', () => ({ authorization: t.merchant.testKey })],
  ])('refuses %s with 401 UNAUTHENTICATED', async (_name, headers) => {
    const res = await t.request(QUERY, undefined, { key: null, headers: headers() });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.data).toBeUndefined();
    expect(res.errors).toEqual([
      { message: expect.stringContaining('A valid API key is required'), extensions: { code: 'UNAUTHENTICATED' } },
    ]);
  });

  it('accepts a TEST and a LIVE key and scopes each to its environment', async () => {
    await t.request('mutation { createCustomer(input: { name: "test side" }) { customer { id } } }');
    await t.request('mutation { createCustomer(input: { name: "live side" }) { customer { id } } }', undefined, {
      key: t.merchant.liveKey,
    });
    const names = async (key: string) =>
      (await t.request('{ customers { edges { node { name env } } } }', undefined, { key })).data!.customers.edges.map((e: any) => e.node);
    expect(await names(t.merchant.testKey)).toEqual([{ name: 'test side', env: 'TEST' }]);
    expect(await names(t.merchant.liveKey)).toEqual([{ name: 'live side', env: 'LIVE' }]);
    expect(await names(t.otherMerchant.testKey)).toEqual([]);
  });

  it('refuses a revoked key at once', async () => {
    const { createApiKey, hashApiKey } = await import('../src/auth/api-keys.ts');
    const key = await createApiKey(t.prisma, t.merchant.accountId, 'TEST');
    expect((await t.request(QUERY, undefined, { key })).status).toBe(200);
    await t.prisma.apiKey.update({ where: { hash: hashApiKey(key) }, data: { revokedAt: new Date() } });
    expect((await t.request(QUERY, undefined, { key })).status).toBe(401);
  });

  it('stores keys only as hashes', async () => {
    const stored = await t.prisma.apiKey.findMany();
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) {
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(t.merchant.testKey);
    }
  });
});

describe('GraphiQL', () => {
  it('loads without a key, served from the package (no CDN), with the demo key only for loopback clients (test/demo-key.test.ts)', async () => {
    const res = await t.app.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<title>Customer graph</title>');
    // app.fetch has no socket, so no loopback peer.
    expect(html).not.toContain('sk_test_GraphiqlDemoKey000000000000');
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
  });
});
