import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { lockDataDir } from './data-dir-lock.ts';
import { PrismaClient } from './generated/prisma/client.ts';

/** A plain SQL session, used where Prisma cannot help: migrations and advisory locks. */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  release(): Promise<void>;
}

export interface Database {
  prisma: PrismaClient;
  /** "embedded PGlite in .data" or "PostgreSQL at host:port/db": for logs, never with secrets. */
  description: string;
  /** A session of its own (a dedicated connection on PostgreSQL). */
  openSession(): Promise<SqlSession>;
  close(): Promise<void>;
}

export type QueryListener = (event: { query: string; duration: number }) => void;

export interface DatabaseOptions {
  databaseUrl?: string;
  /** Folder of the embedded database; undefined keeps it in memory (tests). */
  dataDir?: string;
  onQuery?: QueryListener;
  poolSize?: number;
}

// Under a burst of writes, a transaction queues for a pooled connection instead of failing after
// Prisma's default 2 s; the execution timeout (src/limits.ts) still bounds the whole request.
const transactionOptions = { maxWait: 5_000 };

function createPrisma(adapter: PrismaPg | PrismaPGlite, onQuery?: QueryListener): PrismaClient {
  if (!onQuery) return new PrismaClient({ adapter, transactionOptions });
  const prisma = new PrismaClient({ adapter, transactionOptions, log: [{ emit: 'event' as const, level: 'query' as const }] });
  prisma.$on('query', (event) => onQuery({ query: event.query, duration: event.duration }));
  return prisma as unknown as PrismaClient;
}

/** Names host, port and database of a connection string, leaving out user and password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (unparseable DATABASE_URL)';
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  return openPGlite(options);
}

async function openPostgres(databaseUrl: string, options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 3000,
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});
  const prisma = createPrisma(new PrismaPg(pool), options.onQuery);
  return {
    prisma,
    description: describeDatabaseUrl(databaseUrl),
    async openSession() {
      const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
      client.on('error', () => {});
      await client.connect();
      return {
        exec: async (sql) => void (await client.query(sql)),
        query: async (sql, params) => (await client.query(sql, params)).rows,
        release: () => client.end(),
      };
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPGlite(options: DatabaseOptions): Promise<Database> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  const pglite = options.dataDir ? await PGlite.create(options.dataDir) : await PGlite.create();
  const prisma = createPrisma(new PrismaPGlite(pglite), options.onQuery);
  return {
    prisma,
    description: options.dataDir ? `embedded PGlite in ${options.dataDir}` : 'embedded PGlite in memory',
    async openSession() {
      // PGlite is a single connection: its session is the database itself.
      return {
        exec: async (sql) => void (await pglite.exec(sql)),
        query: async <Row,>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
        release: async () => {},
      };
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
      unlock();
    },
  };
}
