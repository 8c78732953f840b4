// npm run db:migrate: applies pending migrations to DATABASE_URL, or to the embedded database.
import { databaseSettings, loadConfig } from '../src/config/env.ts';
import { openDatabase } from '../src/data/database.ts';
import { migrateDatabase } from '../src/data/migrate.ts';

const config = loadConfig();
const db = await openDatabase(databaseSettings(config));
try {
  const applied = await migrateDatabase(db);
  console.log(`${db.description}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.close();
}
