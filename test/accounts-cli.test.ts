import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/auth/api-keys.ts';
import { onPostgres } from './helpers.ts';
import { runNpmScript } from './support/cli.ts';
import { createProcessDatabase, type ProcessDatabase } from './support/process-database.ts';
import { post, startServerProcess } from './support/server-process.ts';

let database: ProcessDatabase;

beforeAll(async () => {
  database = await createProcessDatabase();
});
afterAll(() => database?.drop());

const WHO_AM_I = '{ customers(first: 1) { totalCount } }';
const CREATE = 'mutation { createCustomer(input: { name: "Ada" }) { customer { id env livemode } userErrors { code } } }';

async function createAccount(name: string) {
  const result = await runNpmScript('account:create', ['--name', name], database.env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const testKey = /TEST key: (sk_test_\w+)/.exec(result.stdout)?.[1];
  const liveKey = /LIVE key: (sk_live_\w+)/.exec(result.stdout)?.[1];
  const accountId = /Account (acct_\w+)/.exec(result.stdout)?.[1];
  expect(testKey && liveKey && accountId).toBeTruthy();
  return { accountId: accountId!, testKey: testKey!, liveKey: liveKey!, stdout: result.stdout };
}

describe('npm run account:create', () => {
  it('creates an account and prints one TEST and one LIVE key that work in their environment', async () => {
    const account = await createAccount('Acme Inc');
    expect(account.stdout).toContain('(Acme Inc)');
    const server = await startServerProcess(database.env);
    try {
      const test = await post(server.origin, account.testKey, CREATE);
      const live = await post(server.origin, account.liveKey, CREATE);
      expect(test.data.createCustomer.customer).toMatchObject({ env: 'TEST', livemode: false });
      expect(live.data.createCustomer.customer).toMatchObject({ env: 'LIVE', livemode: true });
      // Each environment sees only its own customer.
      expect((await post(server.origin, account.testKey, WHO_AM_I)).data.customers.totalCount).toBe(1);
      expect((await post(server.origin, account.liveKey, WHO_AM_I)).data.customers.totalCount).toBe(1);
    } finally {
      await server.stop();
    }
    const stored = await database.inspect((db) => db.prisma.apiKey.findMany({ where: { accountId: account.accountId } }));
    expect(stored.map((key) => key.hash).sort()).toEqual([hashApiKey(account.testKey), hashApiKey(account.liveKey)].sort());
    expect(JSON.stringify(stored)).not.toContain(account.testKey.slice(8));
    expect(JSON.stringify(stored)).not.toContain(account.liveKey.slice(8));
  });

  it('refuses a missing or empty name without touching the database', async () => {
    for (const args of [[], ['--name', '  '], ['--nom', 'x']]) {
      const result = await runNpmScript('account:create', args, database.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Usage: npm run account:create -- --name NAME');
      expect(result.stdout).toBe('');
    }
  });
});

describe('npm run apikey:revoke', () => {
  it('revokes a key: UNAUTHENTICATED from the next request on, the other key still works', async () => {
    const account = await createAccount('Revoked Ltd');
    let server = await startServerProcess(database.env);
    try {
      expect((await post(server.origin, account.testKey, WHO_AM_I)).status).toBe(200);
      if (!onPostgres) {
        // The embedded database belongs to one process: revoking waits until the server stops.
        const refused = await runNpmScript('apikey:revoke', [account.testKey], database.env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/is open in process \d+; stop that process first/);
        await server.stop();
      }
      const revoked = await runNpmScript('apikey:revoke', [account.testKey], database.env);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toContain(`Revoked the TEST key …${account.testKey.slice(-4)} of account ${account.accountId}`);
      expect(revoked.stdout + revoked.stderr).not.toContain(account.testKey);
      if (!onPostgres) server = await startServerProcess(database.env);

      const refused = await post(server.origin, account.testKey, WHO_AM_I);
      expect(refused.status).toBe(401);
      expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect((await post(server.origin, account.liveKey, WHO_AM_I)).status).toBe(200);
      expect(server.stderr()).not.toContain(account.testKey);
    } finally {
      await server.stop();
    }

    const again = await runNpmScript('apikey:revoke', [account.testKey], database.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was already revoked');
  });

  it('says so for an unknown or malformed key, with exit code 1', async () => {
    const unknown = await runNpmScript('apikey:revoke', [`sk_live_${'0'.repeat(32)}`], database.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No API key ending in …0000');
    const malformed = await runNpmScript('apikey:revoke', ['not-a-key'], database.env);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('Usage: npm run apikey:revoke -- KEY');
  });
});
