import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from './config/env.ts';
import { limitsFromEnv } from './config/limits.ts';
import { openDatabase } from './data/database.ts';
import { migrateDatabase } from './data/migrate.ts';
import { DEMO_CUSTOMER_COUNT, seedDemo } from './demo/seed.ts';
import { createApp } from './http/app.ts';
import { createHttpServer, shutdown } from './http/server.ts';
import { scheduleDueWork } from './resolvers/schedules.ts';

const config = loadConfig();
const limits = limitsFromEnv();
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, statementTimeoutMs: limits.executionTimeoutMs });
console.log(`Database: ${db.description}`);

const applied = await migrateDatabase(db);
console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Migrations: up to date');

// The embedded database is the local demo: seed it on first start and keep its key beside the
// data, so GraphiQL can offer it on every start. A server database is seeded only on request.
let graphiqlApiKey: string | undefined;
if (!config.databaseUrl) {
  const keyFile = join(config.dataDir, 'demo-api-key');
  const result = await seedDemo(db.prisma, { seedApiKey: config.seedApiKey });
  if (result.seeded) console.log(`Seeded the demo account with ${DEMO_CUSTOMER_COUNT} customers`);
  if (result.apiKey) writeFileSync(keyFile, result.apiKey, { mode: 0o600 });
  graphiqlApiKey = config.seedApiKey ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (result.apiKey) console.log(`Demo API key (${result.apiKey.startsWith('sk_live_') ? 'LIVE' : 'TEST'}): ${result.apiKey}`);
}

/** The host of the URL to print: listening on every interface, this machine reaches it as localhost. */
function urlHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return 'localhost';
  return isIP(host) === 6 ? `[${host}]` : host;
}

const app = createApp({ db, graphiqlApiKey, limits });
// Reads and meters see a balance reset as soon as it is due; this stores resets, and ends the
// subscriptions set to end at their period end, once a minute.
scheduleDueWork(db.prisma, 60_000, (error) =>
  console.error('Due work failed:', (error as { code?: string })?.code ?? (error instanceof Error ? error.name : 'unknown')),
);
const server = createHttpServer(app, db);
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`Customer graph listening on http://${urlHost(config.host)}:${port}/graphql (GraphiQL in a browser)`);
  if (graphiqlApiKey)
    console.log('GraphiQL offers the demo API key to browsers on this machine only; elsewhere, paste the key into its Headers tab');
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing requests in flight, then closing the database`);
    shutdown(server, db).then(
      () => process.exit(0),
      (error) => {
        console.error('Shutdown failed:', error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  });
}
