// The baselines, in a process of their own: a bare node:http answer (A), and hand-written
// endpoints on `pg` with as few SQL statements as possible (B, C, F, G).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { newId } from '../src/domain/ids.ts';
import { CUSTOMER_BY_ID_SQL, CUSTOMERS_PAGE_SQL } from './raw-sql.ts';
import { countStatement, serveForBench } from './server-process.ts';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

/** Named statements are parsed and planned once per connection, as a hand-tuned service would. */
async function query<Row extends pg.QueryResultRow>(client: pg.Pool | pg.PoolClient, name: string, text: string, values: unknown[] = []) {
  countStatement();
  return (await client.query<Row>({ name, text, values })).rows;
}

function readBody(req: IncomingMessage): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {}));
    req.on('error', reject);
  });
}

function credentials(req: IncomingMessage): [hash: string, env: 'LIVE' | 'TEST'] {
  const key = /^Bearer\s+(sk_(test|live)_[0-9A-Za-z]{24,99})$/.exec(req.headers.authorization ?? '');
  return [
    createHash('sha256')
      .update(key?.[1] ?? '')
      .digest('hex'),
    key?.[2] === 'live' ? 'LIVE' : 'TEST',
  ];
}

function send(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
}

const UNAUTHENTICATED = '{"errors":[{"message":"unauthenticated"}]}';

async function customerBody(req: IncomingMessage, name: string, sql: string, argument: unknown): Promise<[number, string]> {
  const [row] = await query<{ authenticated: boolean; body: string }>(pool, name, sql, [...credentials(req), argument]);
  return row.authenticated ? [200, row.body] : [401, UNAUTHENTICATED];
}

/**
 * Runs `work` between BEGIN and COMMIT on a connection of its own; `undefined` from it rolls back.
 * A connection whose statement failed is closed rather than returned to the pool mid-transaction.
 */
async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T | undefined>): Promise<T | undefined> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await query(client, 'begin', 'BEGIN');
    const result = await work(client);
    await query(client, result === undefined ? 'rollback' : 'commit', result === undefined ? 'ROLLBACK' : 'COMMIT');
    return result;
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(failure);
  }
}

/** createCustomer's work by hand: the customer and its CUSTOMER_CREATED event in one transaction. */
async function createCustomer(req: IncomingMessage, input: { name: string; email: string }): Promise<[number, string]> {
  const answer = await inTransaction<[number, string]>(async (client) => {
    const [customer] = await query<{ id: string; accountId: string; env: string; createdAt: Date; json: string }>(
      client,
      'insert-customer',
      `INSERT INTO "Customer" (id, "accountId", env, name, email)
       SELECT $1, "accountId", env, $4, $5 FROM "ApiKey" WHERE hash = $2 AND env = $3::"Environment" AND "revokedAt" IS NULL
       RETURNING id, "accountId", env, "createdAt", json_build_object('id', id, 'name', name, 'email', email,
         'createdAt', to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text AS json`,
      [newId('Customer'), ...credentials(req), input.name, input.email],
    );
    if (!customer) return undefined;
    await query(
      client,
      'insert-event',
      `INSERT INTO "Event" (id, "accountId", env, "customerId", type, "createdAt") VALUES ($1, $2, $3, $4, 'CUSTOMER_CREATED', $5)`,
      [newId('Event'), customer.accountId, customer.env, customer.id, customer.createdAt],
    );
    return [200, `{"data":{"createCustomer":{"customer":${customer.json},"userErrors":[]}}}`];
  });
  return answer ?? [401, UNAUTHENTICATED];
}

/**
 * trackUsage's work by hand, on a customer's own balance: a conditional UPDATE that adds the
 * value only where the balance allows it (unlimited, overage allowed, or enough left) and whose
 * key, customer and balance must match, then the USAGE_TRACKED event with the usage after it,
 * in one transaction. Unlike the GraphQL side it does not reset a balance whose reset is due, and
 * it trusts its input.
 */
async function trackUsage(
  req: IncomingMessage,
  input: { customerId: string; featureId: string; value?: string },
): Promise<[number, string]> {
  const value = input.value ?? '1';
  const answer = await inTransaction<[number, string]>(async (client) => {
    const [balance] = await query<{ accountId: string; env: string; customerId: string; usage: string; updatedAt: string; json: string }>(
      client,
      'track-usage',
      `UPDATE "Balance" b SET usage = b.usage + $5::bigint, "updatedAt" = now() AT TIME ZONE 'UTC'
       FROM "Customer" c, "ApiKey" k
       WHERE b."customerId" = $3 AND b."featureId" = $4 AND b."entityId" IS NULL
         AND (b.unlimited OR b."overageAllowed" OR b.granted - b.usage >= $5::bigint)
         AND c.id = b."customerId" AND c."deletedAt" IS NULL
         AND k.hash = $1 AND k.env = $2::"Environment" AND k."revokedAt" IS NULL AND c."accountId" = k."accountId" AND c.env = k.env
       RETURNING c."accountId", c.env, b."customerId", b.usage::text AS usage, b."updatedAt"::text AS "updatedAt",
         json_build_object('id', b.id, 'featureId', b."featureId", 'usage', b.usage::text,
           'remaining', (b.granted::numeric - b.usage)::text)::text AS json`,
      [...credentials(req), input.customerId, input.featureId, value],
    );
    if (!balance) return undefined;
    await query(
      client,
      'insert-usage-event',
      `INSERT INTO "Event" (id, "accountId", env, "customerId", type, data, "createdAt")
       VALUES ($1, $2, $3::"Environment", $4, 'USAGE_TRACKED',
         jsonb_build_object('featureId', $5::text, 'entityId', NULL, 'value', $6::text, 'usage', $7::text), $8::timestamp(3))`,
      [newId('Event'), balance.accountId, balance.env, balance.customerId, input.featureId, value, balance.usage, balance.updatedAt],
    );
    return [200, `{"data":{"trackUsage":{"balance":${balance.json},"userErrors":[]}}}`];
  });
  return answer ?? trackRefusal(req, input);
}

/** Why a track metered nothing: the key, or the balance (missing, or short without overage). Never the case in G. */
async function trackRefusal(req: IncomingMessage, input: { customerId: string; featureId: string }): Promise<[number, string]> {
  const [row] = await query<{ authenticated: boolean; found: boolean }>(
    pool,
    'track-refusal',
    `SELECT EXISTS (SELECT 1 FROM "ApiKey" WHERE hash = $1 AND env = $2::"Environment" AND "revokedAt" IS NULL) AS authenticated,
       EXISTS (SELECT 1 FROM "Balance" b JOIN "Customer" c ON c.id = b."customerId" JOIN "ApiKey" k ON k."accountId" = c."accountId" AND k.env = c.env
         WHERE k.hash = $1 AND k.env = $2::"Environment" AND k."revokedAt" IS NULL AND c."deletedAt" IS NULL
           AND b."customerId" = $3 AND b."featureId" = $4 AND b."entityId" IS NULL) AS found`,
    [...credentials(req), input.customerId, input.featureId],
  );
  if (!row.authenticated) return [401, UNAUTHENTICATED];
  const [field, code] = row.found ? ['value', 'INSUFFICIENT_BALANCE'] : ['featureId', 'NO_BALANCE'];
  const userError = { field: ['input', field], message: 'nothing was deducted', code };
  return [200, JSON.stringify({ data: { trackUsage: { balance: null, userErrors: [userError] } } })];
}

const server = createServer(async (req, res) => {
  try {
    const path = req.url?.split('?')[0];
    if (path === '/bare') return send(res, 200, '{"data":{"__typename":"Query"}}');
    const body = await readBody(req);
    if (path === '/customers') return send(res, ...(await customerBody(req, 'customers-page', CUSTOMERS_PAGE_SQL, body.first)));
    if (path === '/customer') return send(res, ...(await customerBody(req, 'customer-by-id', CUSTOMER_BY_ID_SQL, body.id)));
    if (path === '/create') return send(res, ...(await createCustomer(req, body.input)));
    if (path === '/track') return send(res, ...(await trackUsage(req, body.input)));
    send(res, 404, '{"errors":[{"message":"not found"}]}');
  } catch (error) {
    console.error(error);
    send(res, 500, '{"errors":[{"message":"internal error"}]}');
  }
});
serveForBench(server, () => pool.end());
