// A server process for tests that need real processes: the API on DATABASE_URL (or the embedded
// database in DATA_DIR), on 127.0.0.1 and PORT (0: any free port). Prints {"port": N} once listening.
import { databaseSettings, loadConfig } from '../../src/config/env.ts';
import { openDatabase } from '../../src/data/database.ts';
import { migrateDatabase } from '../../src/data/migrate.ts';
import { createApp } from '../../src/http/app.ts';
import { createHttpServer, shutdown } from '../../src/http/server.ts';

const config = loadConfig();
const db = await openDatabase(databaseSettings(config));
await migrateDatabase(db);
const server = createHttpServer(createApp({ db }), db);
server.listen(config.port, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : config.port }));
});
process.on('SIGTERM', () => void shutdown(server, db).then(() => process.exit(0)));
