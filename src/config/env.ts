import { isIP } from 'node:net';

export interface Config {
  port: number;
  /** Address to listen on; undefined listens on every interface. */
  host?: string;
  /** PostgreSQL server to use; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database. */
  dataDir: string;
  /** Demo API key to seed instead of a random one. */
  seedApiKey?: string;
  /** Hot standbys of databaseUrl that queries read from (DATABASE_REPLICA_URLS, comma-separated). */
  replicaUrls: string[];
  /** A replica further behind the primary than this is skipped (DATABASE_REPLICA_MAX_LAG_MS); undefined: the database's default. */
  replicaMaxLagMs?: number;
  /**
   * PostgreSQL reached without a pooler in between, for what needs a session of its own: LISTEN,
   * migrations (under an advisory lock), the readiness check. DATABASE_URL when not set.
   */
  databaseDirectUrl?: string;
  /** False: no named prepared statements, for a pooler in transaction mode that does not track them. */
  databasePreparedStatements: boolean;
  /** Worker processes to run (WEB_CONCURRENCY); undefined: the default for the database. */
  webConcurrency?: number;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got "${env.PORT}"`);
  }
  const host = env.HOST || undefined;
  if (host !== undefined && !isIP(host) && !HOST_NAME.test(host)) {
    throw new Error(`HOST must be an IP address or a host name, got "${host}"`);
  }
  const preparedStatements = env.DATABASE_PREPARED_STATEMENTS || 'true';
  if (preparedStatements !== 'true' && preparedStatements !== 'false') {
    throw new Error(`DATABASE_PREPARED_STATEMENTS must be true or false, got "${preparedStatements}"`);
  }
  const webConcurrency = env.WEB_CONCURRENCY ? Number(env.WEB_CONCURRENCY) : undefined;
  if (webConcurrency !== undefined && !(Number.isInteger(webConcurrency) && webConcurrency >= 1)) {
    throw new Error(`WEB_CONCURRENCY must be a whole number of at least 1, got "${env.WEB_CONCURRENCY}"`);
  }
  const replicaUrls = (env.DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  for (const url of replicaUrls) {
    if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) {
      throw new Error('DATABASE_REPLICA_URLS must be postgresql:// URLs separated by commas');
    }
  }
  if (replicaUrls.length && !env.DATABASE_URL) throw new Error('DATABASE_REPLICA_URLS needs DATABASE_URL, the primary they replicate');
  const replicaMaxLagMs = env.DATABASE_REPLICA_MAX_LAG_MS ? Number(env.DATABASE_REPLICA_MAX_LAG_MS) : undefined;
  if (replicaMaxLagMs !== undefined && !(Number.isInteger(replicaMaxLagMs) && replicaMaxLagMs > 0)) {
    throw new Error(`DATABASE_REPLICA_MAX_LAG_MS must be a whole number of milliseconds above 0, got "${env.DATABASE_REPLICA_MAX_LAG_MS}"`);
  }
  return {
    port,
    host,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR || '.data',
    seedApiKey: env.SEED_API_KEY || undefined,
    replicaUrls,
    replicaMaxLagMs,
    databaseDirectUrl: env.DATABASE_DIRECT_URL || undefined,
    databasePreparedStatements: preparedStatements === 'true',
    webConcurrency,
  };
}

/** How to reach the database, for openDatabase (src/data/database.ts): the same in the server, its workers and the scripts. */
export function databaseSettings(config: Config) {
  return {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    directUrl: config.databaseDirectUrl,
    preparedStatements: config.databasePreparedStatements,
  };
}
