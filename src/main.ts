import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseSettings, loadConfig } from './config/env.ts';
import { limitsFromEnv } from './config/limits.ts';
import { openDatabase } from './data/database.ts';
import { migrateDatabase } from './data/migrate.ts';
import { DEMO_CUSTOMER_COUNT, seedDemo } from './demo/seed.ts';
import { runWorkers } from './http/cluster.ts';
import { observeStatement } from './http/request-observation.ts';
import { serveProcess } from './http/serve.ts';

const config = loadConfig();
const limits = limitsFromEnv();
if (!config.databaseUrl && (config.webConcurrency ?? 1) > 1) {
  console.error(
    `WEB_CONCURRENCY=${config.webConcurrency} needs PostgreSQL: the embedded database (PGlite) can be open in one process only. Unset WEB_CONCURRENCY, or set DATABASE_URL.`,
  );
  process.exit(1);
}
const db = await openDatabase({
  ...databaseSettings(config),
  statementTimeoutMs: limits.executionTimeoutMs,
  onQuery: observeStatement,
});
console.log(`Database: ${db.description}`);

const applied = await migrateDatabase(db);
console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Migrations: up to date');

/** The host of the URL to print: listening on every interface, this machine reaches it as localhost. */
function urlHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return 'localhost';
  return isIP(host) === 6 ? `[${host}]` : host;
}

const listening = (port: number, workers: string) =>
  console.log(`Customer graph listening on http://${urlHost(config.host)}:${port}/graphql${workers} (GraphiQL in a browser)`);

if (config.databaseUrl) {
  // Each worker opens its own pool; this process only supervises them.
  await db.close();
  const count = config.webConcurrency ?? availableParallelism();
  // dist/worker.js beside dist/main.js, or src/worker.ts when run from the sources.
  const exec = fileURLToPath(new URL(`./worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url));
  runWorkers({ count, exec, onListening: (port) => listening(port, `, ${count} worker${count === 1 ? '' : 's'}`) });
} else {
  // The embedded database is the local demo, served by this one process: seed it on first start
  // and keep its key beside the data, so GraphiQL can offer it on every start.
  const keyFile = join(config.dataDir, 'demo-api-key');
  const result = await seedDemo(db.prisma, { seedApiKey: config.seedApiKey });
  if (result.seeded) console.log(`Seeded the demo account with ${DEMO_CUSTOMER_COUNT} customers`);
  if (result.apiKey) writeFileSync(keyFile, result.apiKey, { mode: 0o600 });
  const graphiqlApiKey = config.seedApiKey ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (result.apiKey) console.log(`Demo API key (${result.apiKey.startsWith('sk_live_') ? 'LIVE' : 'TEST'}): ${result.apiKey}`);
  serveProcess({
    config,
    limits,
    db,
    graphiqlApiKey,
    dueWork: true,
    onListening: (port) => {
      listening(port, '');
      if (graphiqlApiKey)
        console.log('GraphiQL offers the demo API key to browsers on this machine only; elsewhere, paste the key into its Headers tab');
    },
  });
}
