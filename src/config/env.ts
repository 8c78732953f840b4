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
  return {
    port,
    host,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR || '.data',
    seedApiKey: env.SEED_API_KEY || undefined,
  };
}
