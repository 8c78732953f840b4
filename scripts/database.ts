import { databaseSettings, loadConfig } from '../src/config/env.ts';
import { type Database, openDatabase } from '../src/data/database.ts';
import { migrateDatabase } from '../src/data/migrate.ts';

/** The configured database (DATABASE_URL, else the embedded one in DATA_DIR), migrated. */
export async function openMigratedDatabase(): Promise<Database> {
  const config = loadConfig();
  const db = await openDatabase(databaseSettings(config));
  await migrateDatabase(db);
  return db;
}

/** Runs a command-line task: its message on failure, exit code 1, and the database closed either way. */
export async function runWithDatabase(task: (db: Database) => Promise<void>): Promise<void> {
  let db: Database | undefined;
  try {
    db = await openMigratedDatabase();
    await task(db);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  } finally {
    await db?.close();
  }
}
