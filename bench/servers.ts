import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { ServerStats } from './server-process.ts';

export interface WindowStats {
  requests: number;
  statements: number;
  peakRss: number;
}

export interface ServerUnderTest {
  url: string;
  /** Requests answered, statements run and peak RSS since the previous call, once no request is in flight. */
  stats(): Promise<WindowStats>;
  /** CPU-profiles the server from now until `profileStopInto(file)`. */
  profileStart(): Promise<void>;
  profileStopInto(file: string): Promise<void>;
  stop(): Promise<void>;
}

/** Forks a bench server script (run through tsx) and waits until it listens. */
export async function startServer(script: string, databaseUrl: string): Promise<ServerUnderTest> {
  const child: ChildProcess = fork(new URL(script, import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${script} exited with code ${code} before listening`);
    }),
  ])) as [{ port: number }];
  const ask = async () => {
    child.send('stats');
    return ((await once(child, 'message')) as [ServerStats])[0];
  };
  let previous = { requests: 0, statements: 0 };
  return {
    url: `http://127.0.0.1:${ready.port}`,
    async stats() {
      let stats = await ask();
      let peakRss = stats.peakRss;
      // Requests the load generator gave up on at the end of a run still finish on the server.
      for (let waited = 0; stats.inFlight > 0 && waited < 30_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        stats = await ask();
        peakRss = Math.max(peakRss, stats.peakRss);
      }
      const window = { requests: stats.requests - previous.requests, statements: stats.statements - previous.statements, peakRss };
      previous = stats;
      return window;
    },
    async profileStart() {
      child.send('profile-start');
      await once(child, 'message');
    },
    async profileStopInto(file) {
      child.send({ profileStopInto: file });
      await once(child, 'message');
    },
    async stop() {
      child.send('stop');
      await once(child, 'exit');
    },
  };
}
