// npm run db:migrate: applies pending migrations to DATABASE_URL, or to the embedded database.
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db.ts';
import { migrate } from '../src/migrate.ts';

const config = loadConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const session = await db.openSession();
try {
  const applied = await migrate(session);
  console.log(`${db.description}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await session.release();
  await db.close();
}
