import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A process, told apart from every other that had or will have its PID: a PID alone names a
 * neighbour after a container restart (a fresh PID namespace hands out the same PIDs again), or
 * this very process. Where /proc is missing (not Linux), the PID alone.
 */
interface Holder {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
  startTicks?: string;
  bootId?: string;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function startTicks(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  // Field 2, the command's name in parentheses, may hold spaces and parentheses itself: the
  // fields are counted from the third, which follows its closing parenthesis.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3];
}

const bootId = () => readProc('/proc/sys/kernel/random/boot_id')?.trim();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder a lock file names (earlier versions wrote its PID alone), or undefined where it names none (a write cut short). */
function parseHolder(text: string): Holder | undefined {
  try {
    const parsed = JSON.parse(text) as Holder | number;
    const holder = typeof parsed === 'number' ? { pid: parsed } : parsed;
    return Number.isInteger(holder?.pid) && holder.pid > 0 ? holder : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(holder: Holder): boolean {
  if (holder.bootId !== undefined && holder.bootId !== bootId()) return false;
  if (!isAlive(holder.pid)) return false;
  const started = startTicks(holder.pid);
  // A process whose start cannot be read (another user's, under hidepid) may be the holder.
  return started === undefined || holder.startTicks === undefined || started === holder.startTicks;
}

/**
 * Claims an embedded database folder for this process and returns the release. PGlite does not
 * guard its files: a second process on the same folder (say `npm run account:create` while
 * `npm start` runs) would read stale pages and corrupt the database. A lock left by a process
 * that died is taken over, even where its PID now belongs to another process.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'customer-graph.lock');
  const self: Holder = { pid: process.pid, startTicks: startTicks(process.pid), bootId: bootId() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(self), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = parseHolder(readFileSync(file, 'utf8'));
      if (holder && isRunning(holder)) {
        throw new Error(
          `The embedded database in ${dataDir} is open in process ${holder.pid}; stop that process first (if none runs, delete ${file})`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock the embedded database in ${dataDir}`);
}
