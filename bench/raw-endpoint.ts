// The baselines, in a process of their own: a bare node:http answer (A), and hand-written
// endpoints on `pg` with as few SQL statements as possible (B, C, F).
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

/** createCustomer's work by hand: the customer and its CUSTOMER_CREATED event in one transaction. */
async function createCustomer(req: IncomingMessage, input: { name: string; email: string }): Promise<[number, string]> {
  const client = await pool.connect();
  try {
    await query(client, 'begin', 'BEGIN');
    const [customer] = await query<{ id: string; accountId: string; env: string; createdAt: Date; json: string }>(
      client,
      'insert-customer',
      `INSERT INTO "Customer" (id, "accountId", env, name, email)
       SELECT $1, "accountId", env, $4, $5 FROM "ApiKey" WHERE hash = $2 AND env = $3::"Environment" AND "revokedAt" IS NULL
       RETURNING id, "accountId", env, "createdAt", json_build_object('id', id, 'name', name, 'email', email,
         'createdAt', to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text AS json`,
      [newId('Customer'), ...credentials(req), input.name, input.email],
    );
    if (!customer) {
      await query(client, 'rollback', 'ROLLBACK');
      return [401, UNAUTHENTICATED];
    }
    await query(
      client,
      'insert-event',
      `INSERT INTO "Event" (id, "accountId", env, "customerId", type, "createdAt") VALUES ($1, $2, $3, $4, 'CUSTOMER_CREATED', $5)`,
      [newId('Event'), customer.accountId, customer.env, customer.id, customer.createdAt],
    );
    await query(client, 'commit', 'COMMIT');
    return [200, `{"data":{"createCustomer":{"customer":${customer.json},"userErrors":[]}}}`];
  } finally {
    client.release();
  }
}

const server = createServer(async (req, res) => {
  try {
    const path = req.url?.split('?')[0];
    if (path === '/bare') return send(res, 200, '{"data":{"__typename":"Query"}}');
    const body = await readBody(req);
    if (path === '/customers') return send(res, ...(await customerBody(req, 'customers-page', CUSTOMERS_PAGE_SQL, body.first)));
    if (path === '/customer') return send(res, ...(await customerBody(req, 'customer-by-id', CUSTOMER_BY_ID_SQL, body.id)));
    if (path === '/create') return send(res, ...(await createCustomer(req, body.input)));
    send(res, 404, '{"errors":[{"message":"not found"}]}');
  } catch (error) {
    console.error(error);
    send(res, 500, '{"errors":[{"message":"internal error"}]}');
  }
});
serveForBench(server, () => pool.end());
