// A server process for tests that need real processes: the API on DATABASE_URL (or the embedded
// database in DATA_DIR), on 127.0.0.1 and PORT (0: any free port). Prints {"port": N} once listening.
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db.ts';
import { migrateDatabase } from '../../src/migrate.ts';
import { createHttpServer, shutdown } from '../../src/server.ts';
import { createApp } from '../../src/yoga.ts';

const config = loadConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
await migrateDatabase(db);
const server = createHttpServer(createApp({ db }), db);
server.listen(config.port, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : config.port }));
});
process.on('SIGTERM', () => void shutdown(server, db).then(() => process.exit(0)));
