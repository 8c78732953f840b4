export interface Config {
  port: number;
  /** PostgreSQL server to use; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database. */
  dataDir: string;
  /** Demo API key to seed instead of a random one. */
  seedApiKey?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got "${env.PORT}"`);
  }
  return {
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR || '.data',
    seedApiKey: env.SEED_API_KEY || undefined,
  };
}
