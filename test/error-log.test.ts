import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/http/log.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { recordTrust } from './support/trust-record.ts';

const CREATE = `mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}`;

const PERSONAL = { name: 'Zelda Quintanilla-Brightwater', email: 'zelda.quintanilla@example.com', phone: '+1 555 0199 321' };

describe('the log of a failing write', () => {
  let t: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ logger: createLogger({ write: (line: string) => void lines.push(line) }) });
    // A database that refuses the row and quotes it back, as constraint and trigger errors do.
    const session = await t.db.openSession();
    try {
      await session.exec(`
        CREATE FUNCTION refuse_customer() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused customer % <%> %', NEW.name, NEW.email, NEW.phone; END $$;
        CREATE TRIGGER refuse_customer BEFORE INSERT ON "Customer" FOR EACH ROW EXECUTE FUNCTION refuse_customer();`);
    } finally {
      await session.release();
    }
  });
  afterAll(() => t?.close());

  it('names the error by code, path and request id, with no input value, personal data or key', async () => {
    const requestId = 'req-7c1e2f';
    const response = await t.request(CREATE, { input: PERSONAL }, { headers: { 'x-request-id': requestId } });
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(response)).not.toContain(PERSONAL.email);

    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const entry = logged.find((line) => line.requestId === requestId);
    expect(entry).toMatchObject({ level: 50, msg: 'unexpected error', requestId, operationName: 'Create', path: 'createCustomer' });
    expect(typeof entry?.code).toBe('string');
    const everything = lines.join('\n');
    for (const value of [...Object.values(PERSONAL), 'Quintanilla', t.merchant.testKey, 'refused customer'])
      expect(everything).not.toContain(value);
    recordTrust({
      attack: 'Logs: a write the database refuses, quoting the row back in its error',
      tries: 1,
      outcome: 'INTERNAL_SERVER_ERROR, masked; the log line has code, path and request id, and no input value, personal data or key',
      rowsChanged: '0',
    });
  });

  it('gives a request without a usable X-Request-Id one of its own', async () => {
    const before = lines.length;
    await t.request(CREATE, { input: { email: 'someone.else@example.com' } }, { headers: { 'x-request-id': 'has spaces and <markup>' } });
    const [entry] = lines.slice(before).map((line) => JSON.parse(line) as { requestId: string });
    expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
