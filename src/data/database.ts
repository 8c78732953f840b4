import { hash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { CAPACITY } from '../config/limits.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { type ReadRouting, routeReads } from './replicas.ts';

/** A plain SQL session, used where Prisma cannot help: migrations and advisory locks. */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  release(): Promise<void>;
}

/** What a channel's listener is told; see Database.listen. */
export interface ChannelHandlers {
  /** The payload of a notification (pg_notify) on the channel. */
  onNotification(payload: string): void;
  /**
   * Listening began (true) or stopped (false). Notifications sent while not listening are lost,
   * so whatever they would have kept current cannot be trusted until listening begins again.
   */
  onListening(listening: boolean): void;
}

export interface ChannelListener {
  /**
   * Resolves true once every notification committed before the call has reached
   * onNotification, or false when that cannot be known because nothing listens right now.
   */
  catchUp(): Promise<boolean>;
}

export interface ReadOptions {
  /**
   * False sends the read unprepared, planned with its values: for a read whose best plan depends
   * on them (a search pattern, which a trigram index serves only when the planner sees it).
   */
  prepared?: boolean;
}

export interface Database {
  prisma: PrismaClient;
  /** "embedded PGlite in .data" or "PostgreSQL at host:port/db": for logs, never with secrets. */
  description: string;
  /** A session of its own (a dedicated connection on PostgreSQL). */
  openSession(): Promise<SqlSession>;
  /**
   * A read outside any transaction. On PostgreSQL it goes to the pool straight, sparing the rows
   * Prisma's processing, as a prepared statement planned once per connection; it is reported to
   * onQuery as Prisma's statements are.
   */
  read<Row = Record<string, unknown>>(sql: string, params: unknown[], options?: ReadOptions): Promise<Row[]>;
  /**
   * One statement that writes, outside any transaction (it commits alone), on the primary:
   * prepared on PostgreSQL as a read is, its rows typed as Prisma types them (BigInt, Date).
   */
  write<Row = Record<string, unknown>>(sql: string, params: unknown[]): Promise<Row[]>;
  /**
   * Listens to a notification channel until the database closes. On PostgreSQL it listens on a
   * connection of its own, and when that connection is lost it connects again, with backoff.
   */
  listen(channel: string, handlers: ChannelHandlers): ChannelListener;
  /** PostgreSQL only: the pool, for a library that speaks pg itself (the rate limiter's store). */
  pool?: pg.Pool;
  /** With read replicas only: where each key's queries read (src/data/replicas.ts). Everything else uses this database, the primary. */
  replicas?: ReadRouting<Pick<Database, 'prisma' | 'read'>>;
  close(): Promise<void>;
}

/** Told of every statement sent: its text, its parameters, and how long it took in milliseconds. */
export type QueryListener = (event: {
  query: string;
  params: unknown[];
  duration: number;
  /** The replica that ran it (host, port and database); absent for the primary. */
  replica?: string;
}) => void;

export interface DatabaseOptions {
  databaseUrl?: string;
  /** Folder of the embedded database; undefined keeps it in memory (tests). */
  dataDir?: string;
  onQuery?: QueryListener;
  poolSize?: number;
  /**
   * On PostgreSQL, the longest a statement of the pool may run before the server cancels it: one
   * that outlives the request it serves (answered with EXECUTION_TIMEOUT) would hold a connection
   * and a server core for nobody. Undefined: no limit.
   */
  statementTimeoutMs?: number;
  /** PostgreSQL hot standbys of databaseUrl, which queries read when they can (src/data/replicas.ts). */
  replicaUrls?: string[];
  /** A replica further behind the primary than this is skipped. */
  replicaMaxLagMs?: number;
  /**
   * PostgreSQL reached without a pooler between, for what needs a session of its own: LISTEN and
   * openSession (migrations under an advisory lock, the readiness check). Undefined: databaseUrl.
   */
  directUrl?: string;
  /**
   * False: no named prepared statement is sent (the reads' nor a library's on the pool) and no
   * session setting either, for a pooler in transaction mode, which hands each transaction to any
   * server connection: a statement prepared or a setting made on one is missing on the next.
   */
  preparedStatements?: boolean;
}

// Under a burst of writes, a transaction queues for a pooled connection instead of failing after
// Prisma's default 2 s; the execution timeout (src/config/limits.ts) still bounds the whole request.
const transactionOptions = { maxWait: 5_000 };

/** Prisma reports a statement's parameters as JSON text. */
function parseParams(params: string): unknown[] {
  try {
    const parsed = JSON.parse(params);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function createPrisma(adapter: PrismaPg | PrismaPGlite, onQuery?: QueryListener): PrismaClient {
  if (!onQuery) return new PrismaClient({ adapter, transactionOptions });
  const prisma = new PrismaClient({ adapter, transactionOptions, log: [{ emit: 'event' as const, level: 'query' as const }] });
  prisma.$on('query', (event) => onQuery({ query: event.query, params: parseParams(event.params), duration: event.duration }));
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
  if (!options.databaseUrl) return openPGlite(options);
  const primary = await openPostgres(options.databaseUrl, options);
  return options.replicaUrls?.length ? withReplicas(primary, options.replicaUrls, options) : primary;
}

/** The primary, with its replicas opened as it is (a pool, prepared reads, a Prisma Client each) for the routing to send queries to. */
async function withReplicas(primary: Database, replicaUrls: string[], options: DatabaseOptions): Promise<Database> {
  const { onQuery } = options;
  const replicas = await Promise.all(
    replicaUrls.map((url) =>
      openPostgres(url, {
        ...options,
        directUrl: undefined,
        onQuery: onQuery && ((event) => onQuery({ ...event, replica: describeDatabaseUrl(url) })),
      }),
    ),
  );
  const routing = routeReads(
    { reader: primary, pool: primary.pool!, listen: primary.listen },
    replicas.map((replica) => ({ reader: replica, pool: replica.pool! })),
    { maxLagMs: options.replicaMaxLagMs ?? DEFAULT_REPLICA_MAX_LAG_MS },
  );
  return {
    ...primary,
    description: `${primary.description}, reading from ${replicaUrls.map(describeDatabaseUrl).join(', ')}`,
    replicas: routing,
    async close() {
      await routing.close();
      await Promise.all(replicas.map((replica) => replica.close()));
      await primary.close();
    },
  };
}

const CONNECT_TIMEOUT_MS = 3000;
export const DEFAULT_REPLICA_MAX_LAG_MS = 5000;
const RECONNECT_DELAY_MS = { first: 100, max: 5000 };
/** A listening connection that does not answer a catch-up query within this is taken for lost. */
const CATCH_UP_TIMEOUT_MS = 3000;

/** Listens to `channel` on a pg.Client of its own, reconnecting with backoff. */
function listenOnPostgres(databaseUrl: string, channel: string, handlers: ChannelHandlers): ChannelListener & { stop(): Promise<void> } {
  let client: pg.Client | undefined;
  let listening = false;
  let stopped = false;
  let failures = 0;
  let reconnect: NodeJS.Timeout | undefined;

  const lose = async (lost: pg.Client) => {
    if (client !== lost) return;
    client = undefined;
    if (listening) {
      listening = false;
      handlers.onListening(false);
    }
    if (!stopped) reconnect = setTimeout(connect, Math.min(RECONNECT_DELAY_MS.max, RECONNECT_DELAY_MS.first * 2 ** failures++));
    await lost.end().catch(() => {});
  };

  const connect = async () => {
    const next = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: CATCH_UP_TIMEOUT_MS,
      // Tells the connection apart in pg_stat_activity.
      application_name: `listen ${channel}`,
    });
    client = next;
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotification(message.payload ?? '');
    });
    next.on('error', () => void lose(next));
    next.on('end', () => void lose(next));
    try {
      await next.connect();
      await next.query(`LISTEN "${channel}"`);
    } catch {
      void lose(next);
      return;
    }
    if (client !== next) return;
    failures = 0;
    listening = true;
    handlers.onListening(true);
  };

  // A query on the listening connection is answered only after the notifications PostgreSQL
  // queued for it before the query arrived, even an empty one, which PostgreSQL has nothing to
  // plan or run for and answers in one message; so one round trip answers every catchUp() made
  // before it is sent. Callers share the next one, sent once the one under way is back and the
  // event loop has turned: a burst of requests costs one round trip.
  let tripUnderWay: Promise<unknown> = Promise.resolve();
  let nextTrip: Promise<boolean> | undefined;
  const roundTrip = (): Promise<boolean> => {
    nextTrip = undefined;
    const current = client;
    if (!listening || !current) return Promise.resolve(false);
    const trip = current.query('').then(
      () => true,
      () => {
        void lose(current);
        return false;
      },
    );
    tripUnderWay = trip;
    return trip;
  };

  void connect();
  return {
    catchUp() {
      nextTrip ??= tripUnderWay.then(() => new Promise((resolve) => setImmediate(resolve))).then(roundTrip);
      return nextTrip;
    },
    async stop() {
      stopped = true;
      clearTimeout(reconnect);
      if (client) await lose(client);
    },
  };
}

const statementNames = new Map<string, string>();

/** A statement's prepared name, from a hash of its text; remembered, as the same texts come back with every request. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `s_${hash('sha1', sql, 'base64url')}`;
    if (statementNames.size >= CAPACITY.statementNames) statementNames.clear();
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * The statements prepared on one connection, in order of use, within CAPACITY's count and
 * characters: a generic plan takes about 85 bytes of the server's memory per character of its
 * statement (2.7 MB for a customer with every nested field).
 */
class PreparedStatements {
  private readonly lengths = new Map<string, number>();
  private characters = 0;

  /** Notes `name` (of `sql`) as used last; answers those used least recently that no longer fit. */
  use(name: string, sql: string): string[] {
    if (this.lengths.delete(name)) this.characters -= sql.length;
    this.lengths.set(name, sql.length);
    this.characters += sql.length;
    const evicted: string[] = [];
    for (const [oldest, length] of this.lengths) {
      const fits =
        this.lengths.size <= CAPACITY.preparedReadsPerConnection && this.characters <= CAPACITY.preparedReadCharactersPerConnection;
      if (fits || oldest === name) break;
      this.lengths.delete(oldest);
      this.characters -= length;
      evicted.push(oldest);
    }
    return evicted;
  }

  /** Forgets `name`, which the server did not prepare (it failed to parse). */
  remove(name: string, sql: string): void {
    if (this.lengths.delete(name)) this.characters -= sql.length;
  }
}

/**
 * The names pg keeps of the statements it has prepared on a connection: it prepares a name it
 * does not hold before running it, and offers no call to forget one, which a statement put aside
 * (DEALLOCATE) must be.
 */
const preparedByClient = (client: pg.PoolClient) =>
  (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements;

/** A pg client that sends every statement unnamed, whatever the caller (e.g. the rate limiter's store) names it. */
class UnnamedStatementsClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    const unnamed = (config: unknown) =>
      config && typeof config === 'object' && 'name' in config && config.name && !('submit' in config)
        ? { ...config, name: undefined }
        : config;
    this.query = ((config: unknown, ...rest: unknown[]) => query(unnamed(config), ...rest)) as unknown as pg.Client['query'];
  }
}

const GENERIC_PLANS = 'SET plan_cache_mode = force_generic_plan';
const PLANS_WITH_VALUES = 'SET plan_cache_mode = auto';

/** Rows as Prisma types them: 64-bit integers as BigInt, timestamps (stored in UTC, without a zone) as Dates in UTC. */
const PRISMA_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8) return BigInt;
    if (oid === pg.types.builtins.TIMESTAMP) return (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

async function openPostgres(databaseUrl: string, options: DatabaseOptions): Promise<Database> {
  const preparedStatements = options.preparedStatements ?? true;
  const directUrl = options.directUrl ?? databaseUrl;
  // Planning a compiled read (src/data/compiled-read) costs several times its execution, and the
  // default plan cache keeps planning it for each execution's values. Its lookups by key plan
  // the same for any value. Only `read` and `write` prepare (name) statements: Prisma's are
  // unnamed, planned each time whatever this says. Set by a statement on each new connection,
  // not as startup options, which PgBouncer refuses ("unsupported startup parameter").
  const settings = `${GENERIC_PLANS}${options.statementTimeoutMs ? `; SET statement_timeout = ${options.statementTimeoutMs}` : ''}`;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? CAPACITY.poolConnections,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(preparedStatements
      ? { verify: (client, done) => void client.query(settings).then(() => done(), done) }
      : { Client: UnnamedStatementsClient }),
  });
  const preparedOn = new WeakMap<pg.PoolClient, PreparedStatements>();
  /** Connections last set to plan with values (every new one plans once for all values). */
  const planningWithValues = new WeakSet<pg.PoolClient>();
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});
  const prisma = createPrisma(new PrismaPg(pool), options.onQuery);
  const listeners: { stop(): Promise<void> }[] = [];
  /** A statement on the pool, outside any transaction: named (prepared once per connection) or planned with its values. */
  async function run<Row>(sql: string, params: unknown[], named: boolean, types?: pg.CustomTypesConfig): Promise<Row[]> {
    const started = performance.now();
    const client = await pool.connect();
    let prepared = preparedOn.get(client);
    if (!prepared) {
      prepared = new PreparedStatements();
      preparedOn.set(client, prepared);
      // A connection lost during a statement fails it; its client then also emits 'error',
      // which with no listener would end the process.
      client.on('error', () => {});
    }
    const name = named && preparedStatements ? statementName(sql) : undefined;
    const evicted = name === undefined ? [] : prepared.use(name, sql);
    // A connection plans each statement once for all values, unnamed ones too, unless a read to
    // be planned with its values switched it; it stays switched until a named statement needs it
    // back, so that a run of searches costs no extra round trip. (Prisma's statements are
    // planned at each run in either setting.)
    const withValues = !named && preparedStatements;
    let discard = false;
    try {
      if (evicted.length) {
        await client.query(evicted.map((each) => `DEALLOCATE "${each}"`).join('; ')).catch((error: unknown) => {
          // What it holds unknown, the connection is not given out again.
          discard = true;
          throw error;
        });
        for (const each of evicted) delete preparedByClient(client)[each];
      }
      if (withValues !== planningWithValues.has(client)) {
        await client.query(withValues ? PLANS_WITH_VALUES : GENERIC_PLANS).catch((error: unknown) => {
          // Its setting unknown, the connection is not given out again.
          discard = true;
          throw error;
        });
        if (withValues) planningWithValues.add(client);
        else planningWithValues.delete(client);
      }
      const { rows } = await client.query({ name, text: sql, values: params, types });
      options.onQuery?.({ query: sql, params, duration: performance.now() - started });
      return rows as Row[];
    } finally {
      // A statement that failed to parse was not prepared: there is nothing to put aside later.
      if (name !== undefined && preparedByClient(client)[name] === undefined) prepared.remove(name, sql);
      client.release(discard);
    }
  }
  return {
    prisma,
    description: describeDatabaseUrl(databaseUrl),
    pool,
    read: (sql, params, { prepared = true } = {}) => run(sql, params, prepared),
    write: (sql, params) => run(sql, params, true, PRISMA_TYPES),
    async openSession() {
      const client = new pg.Client({ connectionString: directUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      client.on('error', () => {});
      await client.connect();
      return {
        exec: async (sql) => void (await client.query(sql)),
        query: async (sql, params) => (await client.query(sql, params)).rows,
        release: () => client.end(),
      };
    },
    listen(channel, handlers) {
      const listener = listenOnPostgres(directUrl, channel, handlers);
      listeners.push(listener);
      return listener;
    },
    async close() {
      await Promise.all(listeners.map((listener) => listener.stop()));
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPGlite(options: DatabaseOptions): Promise<Database> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  // pg_trgm: the customers search's trigram indexes (the migrations create the extension).
  const pglite = await PGlite.create({ dataDir: options.dataDir, extensions: { pg_trgm } });
  const prisma = createPrisma(new PrismaPGlite(pglite), options.onQuery);
  const unlisteners: Promise<() => Promise<void>>[] = [];
  return {
    prisma,
    description: options.dataDir ? `embedded PGlite in ${options.dataDir}` : 'embedded PGlite in memory',
    // Through Prisma, whose adapter keeps a read from landing inside another request's transaction
    // on PGlite's one connection.
    read: (sql, params) => prisma.$queryRawUnsafe(sql, ...params),
    write: (sql, params) => prisma.$queryRawUnsafe(sql, ...params),
    async openSession() {
      // PGlite is a single connection: its session is the database itself.
      return {
        exec: async (sql) => void (await pglite.exec(sql)),
        query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
        release: async () => {},
      };
    },
    listen(channel, handlers) {
      let listening = false;
      unlisteners.push(
        pglite.listen(channel, handlers.onNotification).then((unlisten) => {
          listening = true;
          handlers.onListening(true);
          return unlisten;
        }),
      );
      // PGlite hands a notification to its listeners before the statement that committed it
      // returns, and nothing can cut its one connection: once listening, it is always caught up.
      return { catchUp: async () => listening };
    },
    async close() {
      for (const unlisten of await Promise.all(unlisteners)) await unlisten();
      await prisma.$disconnect();
      await pglite.close();
      unlock();
    },
  };
}
