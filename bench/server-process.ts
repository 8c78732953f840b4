import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Session } from 'node:inspector/promises';

/** What a server under test tells the bench over IPC when asked. */
export interface ServerStats {
  /** Requests answered in full so far. */
  requests: number;
  /** Requests being answered right now. */
  inFlight: number;
  /** SQL statements sent so far. */
  statements: number;
  /** Highest resident set size since the previous report, in bytes. */
  peakRss: number;
  /** CPU time the process has used so far (user and system), in microseconds. */
  cpuMicros: number;
}

export type BenchMessage = 'stats' | 'stop' | 'profile-start' | { profileStopInto: string };

/** CPU profiling of a window of the run (one measured side), not of start-up and idle time. */
function profiler() {
  const session = new Session();
  session.connect();
  return {
    start: async () => {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    },
    stopInto: async (file: string) => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}

let statements = 0;

/**
 * Counts a statement. The bench reads the counts only once no request is in flight and no
 * statement has arrived for a while, so the statements of a window are those of the requests
 * received in it, including the few the load generator abandons at the end of a run, which still
 * run on the server. Attributing each statement to its request with an AsyncLocalStorage would be
 * exact, but on Node 20 it hooks every promise: 6 % of the server's CPU in scenario A, which no
 * real server pays.
 */
export function countStatement(): void {
  statements++;
}

/**
 * Runs a server under test as a child of the bench: announces its port, answers 'stats' with
 * the requests received and their SQL statements so far and its peak RSS since the last answer,
 * profiles between 'profile-start' and { profileStopInto }, and exits on 'stop'.
 */
export function serveForBench(server: Server, close: () => Promise<void>): void {
  let requests = 0;
  let inFlight = 0;
  const handlers = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    requests++;
    inFlight++;
    res.on('close', () => inFlight--);
    for (const handler of handlers) handler(req, res);
  });
  let peakRss = process.memoryUsage.rss();
  setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 25).unref();
  const cpu = profiler();
  process.on('message', async (message: BenchMessage) => {
    if (message === 'stats') {
      const rss = process.memoryUsage.rss();
      const usage = process.cpuUsage();
      process.send!({
        requests,
        inFlight,
        statements,
        peakRss: Math.max(peakRss, rss),
        cpuMicros: usage.user + usage.system,
      } satisfies ServerStats);
      peakRss = rss;
    } else if (message === 'profile-start') {
      await cpu.start();
      process.send!('profiling');
    } else if (message === 'stop') {
      server.closeAllConnections();
      server.close();
      await close();
      process.exit(0);
    } else {
      await cpu.stopInto(message.profileStopInto);
      process.send!('profiled');
    }
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}
