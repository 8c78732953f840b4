import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, SqlSession } from './database.ts';

/** prisma/migrations of the project: found upward from this module, which runs from src/data or bundled in dist. */
export const MIGRATIONS_DIR = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'prisma', 'migrations'))) return join(dir, 'prisma', 'migrations');
  }
  throw new Error('prisma/migrations not found above this module');
})();

/** Any constant works; it only has to be the same in every process of this project. */
const MIGRATION_LOCK_KEY = 7_240_113_901;

export interface Migration {
  name: string;
  sql: string;
  /** sha256 of migration.sql, hex: what Prisma stores in _prisma_migrations.checksum. */
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

// The table Prisma's migrate creates, column for column, so `prisma migrate status/deploy`
// read what this runner wrote.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
}

async function appliedMigrations(session: SqlSession): Promise<AppliedRow[]> {
  return session.query<AppliedRow>(
    `SELECT migration_name, checksum FROM "_prisma_migrations"
     WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
}

export class MigrationError extends Error {}

/**
 * Applies every pending migration, each in a transaction of its own with its record, under an
 * advisory lock so that processes starting together apply each migration once.
 * Returns the names of the migrations it applied.
 */
export async function migrate(session: SqlSession, migrations = readMigrations()): Promise<string[]> {
  await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await session.exec(CREATE_MIGRATIONS_TABLE);
    const applied = new Map((await appliedMigrations(session)).map((row) => [row.migration_name, row.checksum]));
    const done: string[] = [];
    for (const migration of migrations) {
      const appliedChecksum = applied.get(migration.name);
      if (appliedChecksum !== undefined) {
        if (appliedChecksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.name} was changed after it was applied (checksum differs); add a new migration instead`,
          );
        }
        continue;
      }
      await applyMigration(session, migration);
      done.push(migration.name);
    }
    return done;
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

async function applyMigration(session: SqlSession, migration: Migration): Promise<void> {
  const startedAt = new Date();
  await session.exec('BEGIN');
  try {
    await session.exec(migration.sql);
    await session.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
       VALUES ($1, $2, now(), $3, NULL, $4, 1)`,
      [randomUUID(), migration.checksum, migration.name, startedAt],
    );
    await session.exec('COMMIT');
  } catch (error) {
    await session.exec('ROLLBACK');
    const message = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${message}`);
  }
}

/** Applies pending migrations on a session of its own; returns the names applied. */
export async function migrateDatabase(db: Database): Promise<string[]> {
  const session = await db.openSession();
  try {
    return await migrate(session);
  } finally {
    await session.release();
  }
}

/** Names of migrations not yet applied; empty when the database is current. */
export async function pendingMigrations(session: SqlSession, migrations = readMigrations()): Promise<string[]> {
  const [{ exists }] = await session.query<{ exists: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`);
  if (!exists) return migrations.map((m) => m.name);
  const applied = new Set((await appliedMigrations(session)).map((row) => row.migration_name));
  return migrations.filter((m) => !applied.has(m.name)).map((m) => m.name);
}
