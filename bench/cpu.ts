import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time used over a window, in microseconds: every core's, PostgreSQL's servers', this process's. */
export interface CpuTimes {
  /** Busy time of all cores together (user, system, interrupts, stolen). */
  machineBusy: number;
  /** Busy and idle time of all cores together. */
  machineTotal: number;
  /** Every process named postgres: the postmaster and its backends, if PostgreSQL runs here. */
  postgres: number;
  /** The bench process: autocannon, the load generator. */
  bench: number;
}

const microsPerTick = 1_000_000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** /proc/stat's first line: `cpu user nice system idle iowait irq softirq steal …`, in clock ticks. */
function machineTicks(): { busy: number; total: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** utime + stime of every process with this command name, in clock ticks, by pid; a process that exits meanwhile is skipped. */
function processTicks(command: string): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== command) continue;
    // After the command: state, ppid, …; utime and stime are the 14th and 15th fields of the line.
    const fields = stat.slice(close + 2).split(' ');
    ticks.set(pid, Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

/** The counters cpuSince measures from. */
export interface CpuReading {
  machine: { busy: number; total: number };
  postgres: Map<string, number>;
  bench: number;
}

export function cpuReading(): CpuReading {
  const own = process.cpuUsage();
  return { machine: machineTicks(), postgres: processTicks('postgres'), bench: own.user + own.system };
}

export function cpuSince(start: CpuReading): CpuTimes {
  const now = cpuReading();
  // Per process: a backend that exits meanwhile (an idle pool's connection closed) takes its
  // earlier CPU with it, which a difference of totals would count against this window.
  let postgresTicks = 0;
  for (const [pid, ticks] of now.postgres) postgresTicks += ticks - (start.postgres.get(pid) ?? 0);
  return {
    machineBusy: (now.machine.busy - start.machine.busy) * microsPerTick,
    machineTotal: (now.machine.total - start.machine.total) * microsPerTick,
    postgres: postgresTicks * microsPerTick,
    bench: now.bench - start.bench,
  };
}
