import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openDatabase } from '../../src/data/database.ts';
import { createTestDatabase, onPostgres } from '../helpers.ts';

/**
 * A fresh database for server and CLI processes: a new database on the PostgreSQL server when
 * DATABASE_URL is set, else an embedded one in a temporary DATA_DIR.
 */
export interface ProcessDatabase {
  /** What a process needs in its environment to use this database. */
  env: { DATABASE_URL: string } | { DATA_DIR: string };
  /**
   * Runs `check` on the database from this process. The embedded database allows one process at a
   * time, so on it no server or CLI process may be running meanwhile.
   */
  inspect<T>(check: (db: Database) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

export async function createProcessDatabase(): Promise<ProcessDatabase> {
  if (onPostgres) {
    const testDb = await createTestDatabase();
    return { env: { DATABASE_URL: testDb.url! }, inspect: (check) => check(testDb.db), drop: () => testDb.drop() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'cg-process-'));
  return {
    env: { DATA_DIR: dataDir },
    async inspect(check) {
      const db = await openDatabase({ dataDir });
      try {
        return await check(db);
      } finally {
        await db.close();
      }
    },
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
