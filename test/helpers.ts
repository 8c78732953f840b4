import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getOperationAST, parse } from 'graphql';
import pg from 'pg';
import { expect } from 'vitest';
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

/** Whether `text` is a document whose one operation is a query (whatever else it is, the parity check leaves it). */
function isQuery(text: string): boolean {
  try {
    const document = parse(text);
    return (
      document.definitions.filter((d) => d.kind === 'OperationDefinition').length === 1 && getOperationAST(document)?.operation === 'query'
    );
  } catch {
    return false;
  }
}

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

export interface GraphQLResponse<Data = Record<string, any>> {
  status: number;
  data?: Data;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
  headers: Headers;
}

/**
 * Which way a query is answered: as the app answers it (the compiled read where it can), or by
 * the resolvers alone, the reference semantics (an app on the same database without the compiled read).
 */
export type ReadPath = 'app' | 'resolvers';

/** Both read paths, for tests that check a rule holds on each. */
export const READ_PATHS = ['app', 'resolvers'] as const;

/** A test database with the app on it, two accounts, and a count of the SQL statements run. */
export async function createTestApp({
  parity: checkParity = true,
  ...options
}: Partial<AppOptions> & {
  /** Read every query through the resolvers too and compare; off where a second reading would be counted (rate limits). */
  parity?: boolean;
} = {}) {
  const statements: string[] = [];
  // Statements of the parity check's second reading are not the request's own.
  let shadowing = 0;
  const testDb = await createTestDatabase({
    onQuery: ({ query }) => {
      if (shadowing === 0) statements.push(query);
    },
  });
  const { prisma } = testDb.db;
  const app = createApp({ ...options, db: testDb.db });
  const resolversApp = createApp({ ...options, db: testDb.db, compiledRead: false });
  const merchant = await createAccount(prisma, 'Merchant A');
  const otherMerchant = await createAccount(prisma, 'Merchant B');

  async function request<Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    {
      key = merchant.testKey,
      headers = {},
      via = 'app',
      parity = true,
    }: {
      key?: string | null;
      headers?: Record<string, string>;
      via?: ReadPath;
      /** Answer a query read through the app by the resolvers too, and fail unless both answer alike. */
      parity?: boolean;
    } = {},
  ): Promise<GraphQLResponse<Data>> {
    const send = async (target: typeof app) => {
      const response = await target.fetch('http://localhost/graphql', {
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
    };
    const answer = await send(via === 'app' ? app : resolversApp);
    if (via === 'app' && parity && checkParity && options.compiledRead !== false && isQuery(query)) {
      shadowing++;
      const reference = await send(resolversApp).finally(() => shadowing--);
      expect({ data: answer.data, errors: answer.errors }, `the resolvers answer ${query.slice(0, 200)} otherwise`).toEqual({
        data: reference.data,
        errors: reference.errors,
      });
    }
    return answer;
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
  for (
    let tries = 0;
    (await countStatements(() => Promise.all([request('{ __typename }'), request('{ __typename }', {}, { via: 'resolvers' })]))) > 0;
    tries++
  ) {
    if (tries === 500) throw new Error('The app never started caching API keys');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  return {
    ...testDb,
    prisma,
    app,
    resolversApp,
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
