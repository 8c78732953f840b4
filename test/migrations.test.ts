import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlSession } from '../src/data/database.ts';
import { MIGRATIONS_DIR, MigrationError, migrate, pendingMigrations, readMigrations } from '../src/data/migrate.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers.ts';

const schemaSource = readFileSync(new URL('../prisma/schema.prisma', import.meta.url), 'utf8');

interface DmmfField {
  name: string;
  kind: 'scalar' | 'enum' | 'object';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isUpdatedAt: boolean;
  default?: { name: string; args: unknown[] } | unknown;
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'normal' | 'unique';
  dbName?: string;
  /** Gin for the trigram indexes; btree when absent. */
  algorithm?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc'; operatorClass?: string }[];
}
const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: schemaSource }))) as {
  datamodel: {
    models: { name: string; fields: DmmfField[]; primaryKey: { fields: string[] } | null }[];
    enums: { name: string; values: { name: string }[] }[];
    indexes: DmmfIndex[];
  };
};

/** The column type PostgreSQL reports for a Prisma scalar (format_type's spelling). */
function expectedType(field: DmmfField): string {
  const base =
    field.kind === 'enum'
      ? `"${field.type}"`
      : (
          {
            String: 'text',
            Int: 'integer',
            BigInt: 'bigint',
            Boolean: 'boolean',
            DateTime: 'timestamp(3) without time zone',
            Json: 'jsonb',
          } as Record<string, string>
        )[field.type];
  return field.isList ? `${base}[]` : base;
}

/** The column default PostgreSQL reports for a Prisma @default. */
function expectedDefault(field: DmmfField): string | null {
  const value = field.default as { name?: string } | string | number | boolean | unknown[] | undefined;
  if (value === undefined) return null;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && value.name === 'now') return 'CURRENT_TIMESTAMP';
  if (Array.isArray(value)) return `ARRAY[]::${field.type === 'String' ? 'text' : field.type}[]`;
  if (field.kind === 'enum') return `'${value}'::"${field.type}"`;
  if (field.type === 'Json') return `'${value}'::jsonb`;
  return String(value);
}

/** Prisma's default constraint and index names. */
function expectedIndexName(index: DmmfIndex): string {
  if (index.dbName) return index.dbName;
  if (index.type === 'id') return `${index.model}_pkey`;
  return `${index.model}_${index.fields.map((f) => f.name).join('_')}_${index.type === 'unique' ? 'key' : 'idx'}`;
}

/** Quotes an identifier the way pg_indexes prints it: only where it must. */
const quote = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name}"`);

function indexColumnsSql(index: DmmfIndex): string {
  return index.fields
    .map((f) => `${quote(f.name)}${f.operatorClass ? ` ${f.operatorClass}` : ''}${f.sortOrder === 'desc' ? ' DESC' : ''}`)
    .join(', ');
}

/** `where: raw("…")` clauses of partial indexes, by index name: DMMF does not carry them. */
function partialIndexPredicates(): Map<string, string> {
  const predicates = new Map<string, string>();
  for (const match of schemaSource.matchAll(/map:\s*"([^"]+)",\s*where:\s*raw\("((?:[^"\\]|\\.)*)"\)/g)) {
    predicates.set(match[1], match[2].replace(/\\"/g, '"'));
  }
  return predicates;
}

describe('migrations', () => {
  let database: TestDatabase;
  let session: SqlSession;

  beforeAll(async () => {
    database = await createTestDatabase();
    session = await database.db.openSession();
  });
  afterAll(async () => {
    await session.release();
    await database.drop();
  });

  it('record one row per migration folder with the sha256 of its file, as Prisma does', async () => {
    const rows = await session.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
      rolled_back_at: Date | null;
    }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    const folders = readMigrations();
    expect(folders.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.migration_name)).toEqual(folders.map((m) => m.name));
    for (const folder of folders) {
      const row = rows.find((r) => r.migration_name === folder.name)!;
      const fileHash = createHash('sha256')
        .update(readFileSync(join(MIGRATIONS_DIR, folder.name, 'migration.sql')))
        .digest('hex');
      expect(row.checksum).toBe(fileHash);
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    expect(await pendingMigrations(session)).toEqual([]);
  });

  it('apply nothing the second time', async () => {
    expect(await migrate(session)).toEqual([]);
  });

  it('leave every table, column, type, nullability and default as schema.prisma says', async () => {
    const columns = await session.query<{
      table_name: string;
      column_name: string;
      type: string;
      not_null: boolean;
      column_default: string | null;
    }>(
      `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS column_default
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relname <> '_prisma_migrations'`,
    );
    const actual = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c]));
    const expected = dmmf.datamodel.models.flatMap((model) =>
      model.fields.filter((f) => f.kind !== 'object').map((f) => ({ model: model.name, field: f })),
    );
    expect([...actual.keys()].sort()).toEqual(expected.map(({ model, field }) => `${model}.${field.name}`).sort());
    for (const { model, field } of expected) {
      const column = actual.get(`${model}.${field.name}`)!;
      const where = `${model}.${field.name}`;
      expect(column.type, where).toBe(expectedType(field));
      // Prisma creates list columns without NOT NULL.
      expect(column.not_null, where).toBe(field.isRequired && !field.isList);
      expect(column.column_default, where).toBe(expectedDefault(field));
    }
  });

  it('create every enum with its values in order', async () => {
    const rows = await session.query<{ name: string; values: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const actual = Object.fromEntries(rows.map((r) => [r.name, r.values]));
    const expected = Object.fromEntries(dmmf.datamodel.enums.map((e) => [e.name, e.values.map((v) => v.name)]));
    expect(actual).toEqual(expected);
  });

  it('create every index of schema.prisma, with its columns, order, uniqueness and predicate, and no other', async () => {
    const rows = await session.query<{ name: string; definition: string }>(
      `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'`,
    );
    const actual = new Map(rows.map((r) => [r.name, r.definition]));
    const predicates = partialIndexPredicates();
    expect(predicates.size).toBeGreaterThan(0);
    const expected = dmmf.datamodel.indexes.map((index) => {
      const name = expectedIndexName(index);
      return { name, index, predicate: predicates.get(name) };
    });
    expect([...actual.keys()].sort()).toEqual(expected.map((e) => e.name).sort());
    for (const { name, index, predicate } of expected) {
      const definition = actual.get(name)!.replace(/ ON (public|\w+)\./, ' ON ');
      const unique = index.type === 'normal' ? '' : 'UNIQUE ';
      const where = predicate ? ` WHERE (${predicate})` : '';
      // Every GIN index (the search's trigram indexes) has no pending list: see schema.prisma.
      const storage = index.algorithm === 'Gin' ? ' WITH (fastupdate=off)' : '';
      expect(definition, name).toBe(
        `CREATE ${unique}INDEX ${quote(name)} ON ${quote(index.model)} USING ${(index.algorithm ?? 'btree').toLowerCase()} (${indexColumnsSql(index)})${storage}${where}`,
      );
    }
  });

  it('roll back a failing migration whole and name it with the database message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    mkdirSync(join(dir, '29990101000000_broken'));
    writeFileSync(
      join(dir, '29990101000000_broken', 'migration.sql'),
      'CREATE TABLE "HalfDone" ("id" TEXT PRIMARY KEY);\nALTER TABLE "NoSuchTable" ADD COLUMN "x" INTEGER;\n',
    );
    const error = await migrate(session, readMigrations(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain('29990101000000_broken');
    expect((error as Error).message).toMatch(/NoSuchTable/);
    const [{ exists }] = await session.query<{ exists: boolean }>(`SELECT to_regclass('"HalfDone"') IS NOT NULL AS exists`);
    expect(exists).toBe(false);
    const recorded = await session.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29990101000000_broken'`);
    expect(recorded).toEqual([]);
  });

  it('refuse a migration changed after it was applied', async () => {
    const [first, ...rest] = readMigrations();
    const error = await migrate(session, [{ ...first, checksum: '0'.repeat(64) }, ...rest]).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`${first.name} was changed after it was applied`);
  });
});

// Two connections need a server; the embedded database is one connection by nature.
if (onPostgres)
  describe('migrations from two connections at once', () => {
    it('apply each migration exactly once', async () => {
      const { default: pg } = await import('pg');
      const { openDatabase } = await import('../src/data/database.ts');
      const serverUrl = process.env.DATABASE_URL!;
      const name = `cg_test_race_${Date.now()}`;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      const dbs = await Promise.all([openDatabase({ databaseUrl: url.toString() }), openDatabase({ databaseUrl: url.toString() })]);
      try {
        const sessions = await Promise.all(dbs.map((db) => db.openSession()));
        const results = await Promise.all(sessions.map((s) => migrate(s)));
        expect(results.flat().sort()).toEqual(readMigrations().map((m) => m.name));
        const rows = await sessions[0].query<{ count: string }>('SELECT count(*)::text AS count FROM "_prisma_migrations"');
        expect(Number(rows[0].count)).toBe(readMigrations().length);
        await Promise.all(sessions.map((s) => s.release()));
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    });
  });
