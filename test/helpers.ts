import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createAccount, type NewAccount } from '../src/auth/accounts.ts';
import { type Database, type DatabaseOptions, openDatabase } from '../src/data/database.ts';
import { migrateDatabase } from '../src/data/migrate.ts';
import { type AppOptions, createApp } from '../src/http/app.ts';

/**
 * A fresh database for one test file: an in-memory PGlite by default, or, when DATABASE_URL is
 * set, a new database on that server, dropped by `drop()`.
 */
export interface TestDatabase {
  db: Database;
  /** Connection string of the fresh database; undefined on PGlite. */
  url?: string;
  drop(): Promise<void>;
}

export const onPostgres = Boolean(process.env.DATABASE_URL);

export async function createTestDatabase(options: Omit<DatabaseOptions, 'databaseUrl' | 'dataDir'> = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const db = await openDatabase(options);
    await migrateDatabase(db);
    return { db, drop: () => db.close() };
  }
  const name = `cg_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ ...options, databaseUrl: url.toString() });
  await migrateDatabase(db);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/** A root field that src/data/customer-json.ts does not compile: in a query, it sends all of it to the resolvers. */
export const VIA_RESOLVERS = 'viaResolvers: node(id: "cus_none") { id }';

/** `query` (one operation, nothing after it) answered by the resolvers instead of compiled. */
export const viaResolvers = (query: string) => query.replace(/}\s*$/, ` ${VIA_RESOLVERS} }`);

export interface GraphQLResponse<Data = Record<string, any>> {
  status: number;
  data?: Data;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
  headers: Headers;
}

/** A test database with the app on it, two accounts, and a count of the SQL statements run. */
export async function createTestApp(options: Partial<AppOptions> = {}) {
  const statements: string[] = [];
  const testDb = await createTestDatabase({ onQuery: ({ query }) => statements.push(query) });
  const { prisma } = testDb.db;
  const app = createApp({ ...options, db: testDb.db });
  const merchant = await createAccount(prisma, 'Merchant A');
  const otherMerchant = await createAccount(prisma, 'Merchant B');

  async function request<Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    { key = merchant.testKey, headers = {} }: { key?: string | null; headers?: Record<string, string> } = {},
  ): Promise<GraphQLResponse<Data>> {
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Data; errors?: GraphQLResponse['errors'] };
    return { status: response.status, headers: response.headers, ...body };
  }

  /** Runs a request and returns how many SQL statements it issued. */
  async function countStatements(run: () => Promise<unknown>): Promise<number> {
    const before = statements.length;
    await run();
    return statements.length - before;
  }

  // The app caches API keys only once it listens for their changes (src/auth/api-key-cache.ts), which
  // on PostgreSQL takes a connection of its own. Waiting for it here makes every statement count
  // the same whenever a test runs: a key is looked up on its first request only.
  for (let tries = 0; (await countStatements(() => request('{ __typename }'))) > 0; tries++) {
    if (tries === 500) throw new Error('The app never started caching API keys');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  return {
    ...testDb,
    prisma,
    app,
    merchant,
    otherMerchant,
    statements,
    request,
    countStatements,
    close: () => testDb.drop(),
  };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;
export type { NewAccount };

/** Listens on a free loopback port and answers the server's /graphql URL. */
export function listenOnLoopback(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`));
  });
}

/** Closes a server, dropping kept-alive connections instead of waiting for them to time out. */
export function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
