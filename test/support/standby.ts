// A hot standby of the PostgreSQL server the tests use, started for a test file: a pg_basebackup
// of the primary into a temporary folder, streaming from it, a second postmaster on a free port,
// all run as the `postgres` user (PostgreSQL refuses to run as root).
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface Standby {
  port: number;
  /** The connection string of `database` on the standby. */
  url(database: string): string;
  /** Runs a statement on the standby (database `postgres`). */
  query<Row = Record<string, unknown>>(sql: string): Promise<Row[]>;
  /** Stops it at once, as a crash would (pg_ctl stop -m immediate). */
  stop(): Promise<void>;
  /** Stops it if it runs, and removes its folder. */
  remove(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function asPostgres(command: string, args: string[]) {
  return run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args]);
}

/** Starts a standby of the server `primaryUrl` names, and waits until it answers read-only queries. */
export async function startStandby(primaryUrl: string): Promise<Standby> {
  const primary = new URL(primaryUrl);
  const dir = mkdtempSync(join(tmpdir(), 'cg-standby-'));
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: group } = await run('id', ['-g', 'postgres']);
  chownSync(dir, Number(stdout), Number(group));
  const port = await freePort();
  const remove = async () => {
    await asPostgres('pg_ctl', ['-D', dir, '-m', 'immediate', 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await asPostgres('pg_basebackup', [
      '-h',
      primary.hostname,
      '-p',
      primary.port || '5432',
      '-U',
      decodeURIComponent(primary.username) || 'postgres',
      '-D',
      dir,
      '-R',
      '-X',
      'stream',
      '--checkpoint=fast',
    ]);
    // Debian keeps the configuration outside the data folder, so the copy has none of its own.
    const files = {
      'postgresql.conf': `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nhot_standby = on\n`,
      'pg_hba.conf': 'local all all trust\nhost all all 127.0.0.1/32 trust\n',
      'pg_ident.conf': '',
    };
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(dir, name), text);
      chownSync(join(dir, name), Number(stdout), Number(group));
    }
    await asPostgres('pg_ctl', ['-D', dir, '-l', join(dir, 'server.log'), '-o', `-p ${port} -k ${dir}`, '-w', 'start']);
  } catch (error) {
    await remove();
    throw error;
  }
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const query = async <Row>(sql: string) => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Row[];
    } finally {
      await client.end();
    }
  };
  const [{ recovering }] = await query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
  if (!recovering) {
    await remove();
    throw new Error('the copy started as a primary, not as a standby');
  }
  return {
    port,
    url,
    query,
    stop: async () => void (await asPostgres('pg_ctl', ['-D', dir, '-m', 'immediate', 'stop'])),
    remove,
  };
}
