// The embedded database's folder lock. It is the embedded database's by nature, so these tests
// open embedded folders of their own whichever database the rest of the suite runs on.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/data/database.ts';
import { startServerProcess } from './support/server-process.ts';
import { recordTrust } from './support/trust-record.ts';

// One folder for every test: creating it (initdb) takes most of a test's time.
const dataDir = mkdtempSync(join(tmpdir(), 'cg-lock-'));
const lockFile = join(dataDir, 'customer-graph.lock');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Opens the folder as `npm run account:create` would, runs a statement, and closes it. */
async function openAndQuery(): Promise<unknown> {
  const db = await openDatabase({ dataDir });
  try {
    const session = await db.openSession();
    return await session.query('SELECT 1 AS one');
  } finally {
    await db.close();
  }
}

describe('the embedded data folder lock', () => {
  it('refuses a folder open in a live process, and takes over the lock it leaves when killed with SIGKILL, even once its PID belongs to a live, unrelated process', async () => {
    const holder = await startServerProcess({ DATA_DIR: dataDir });
    try {
      await expect(openDatabase({ dataDir })).rejects.toThrow(`is open in process ${holder.child.pid}; stop that process first`);
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
    const staleLock = readFileSync(lockFile, 'utf8');
    expect(staleLock).toContain(String(holder.child.pid));
    expect(await openAndQuery()).toEqual([{ one: 1 }]);

    // The PID the dead holder left is handed to another process, as in a restarted container.
    const neighbour = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(neighbour);
    writeFileSync(lockFile, staleLock.replace(String(holder.child.pid), String(neighbour.pid)));
    expect(await openAndQuery()).toEqual([{ one: 1 }]);
    expect(neighbour.exitCode).toBeNull();
    neighbour.kill('SIGKILL');
    expect(existsSync(lockFile)).toBe(false);
    recordTrust({
      attack: 'Fault: embedded data folder lock of a holder killed with SIGKILL, its PID then a live unrelated process',
      tries: 3,
      outcome: 'open refused while the holder lived; its lock taken over once killed, and once its PID was reused',
      rowsChanged: '0',
    });
  }, 180_000);

  // A container's process runs in a PID namespace of its own, where the server is often PID 1;
  // after `docker restart` (or a SIGKILL) its successor has the same PID as the dead holder.
  const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
  it.skipIf(!canUnshare)(
    'is taken over by a server restarted in a fresh PID namespace, with the PID of the one killed',
    async () => {
      const first = await startInPidNamespace();
      first.child.kill('SIGKILL'); // unshare --kill-child SIGKILLs the server with it
      await first.exited;
      expect(readFileSync(lockFile, 'utf8')).toContain(String(first.pid));
      const second = await startInPidNamespace();
      second.child.kill('SIGKILL');
      await second.exited;
      expect(second.pid).toBe(first.pid);
      recordTrust({
        attack: "Fault: server SIGKILLed and restarted in a fresh PID namespace (the dead holder's PID is the new server's)",
        tries: 1,
        outcome: 'the restarted server takes the lock over and listens',
        rowsChanged: '0',
      });
    },
    180_000,
  );
});

const SERVE = fileURLToPath(new URL('./support/serve.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** test/support/serve.ts on the folder in a PID namespace of its own: its PID there, once it listens. */
function startInPidNamespace(): Promise<{ child: ChildProcess; pid: number; exited: Promise<void> }> {
  const script = `process.stdout.write(JSON.stringify({ pid: process.pid }) + '\\n'); await import(${JSON.stringify(SERVE)});`;
  const child = spawn(
    'unshare',
    ['--pid', '--mount-proc', '--kill-child', process.execPath, '--import', 'tsx', '--input-type=module', '--eval', script],
    { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`the server did not listen in 60 s: ${stderr}`)), 60_000);
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const pid = /\{"pid":(\d+)\}/.exec(stdout);
      if (pid && /\{"port":\d+\}/.test(stdout)) {
        clearTimeout(timer);
        resolve({ child, pid: Number(pid[1]), exited });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening: ${stderr}`));
    });
  });
}
