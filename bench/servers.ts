import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { ServerStats } from './server-process.ts';

export interface WindowStats {
  requests: number;
  statements: number;
  peakRss: number;
  /** CPU time the server's processes used, in microseconds. */
  cpuMicros: number;
}

export interface ServerUnderTest {
  url: string;
  /** Requests received, their statements and peak RSS since the previous call, once those requests are done. */
  stats(): Promise<WindowStats>;
  /** CPU-profiles the server from now until `profileStopInto(file)`. */
  profileStart(): Promise<void>;
  profileStopInto(file: string): Promise<void>;
  stop(): Promise<void>;
}

/** Environment variables and node flags to run a script with. */
export interface Launch {
  env: Record<string, string>;
  execArgv: string[];
}

/**
 * How `npm start` runs the built app, read from package.json's start script
 * (`[VAR=value ...] node [--flag ...] dist/main.js`), so that the bench and the tests run the
 * server as production does.
 */
export function productionLaunch(): Launch {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const match = /^((?:\w+=\S+ )*)node ((?:--\S+ )*)dist\/main\.js$/.exec(scripts.start);
  if (!match) throw new Error(`package.json's start script is not "[VAR=value ...] node [--flag ...] dist/main.js": ${scripts.start}`);
  const words = (text: string) => text.split(' ').filter(Boolean);
  return {
    env: Object.fromEntries(words(match[1]).map((assignment) => assignment.split('=') as [string, string])),
    execArgv: words(match[2]),
  };
}

/**
 * Forks a bench server, built into dist/ by `npm run bench` (prebench) as `npm start` builds the
 * app, and waits until it listens.
 */
export async function startServer(
  builtScript: string,
  databaseUrl: string,
  launch: Launch = { env: {}, execArgv: [] },
): Promise<ServerUnderTest> {
  const child: ChildProcess = fork(new URL(`../dist/${builtScript}`, import.meta.url), [], {
    execArgv: launch.execArgv,
    env: { ...process.env, ...launch.env, DATABASE_URL: databaseUrl, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${builtScript} exited with code ${code} before listening`);
    }),
  ])) as [{ port: number }];
  const ask = async () => {
    child.send('stats');
    return ((await once(child, 'message')) as [ServerStats])[0];
  };
  let previous = { requests: 0, statements: 0, cpuMicros: 0 };
  return {
    url: `http://127.0.0.1:${ready.port}`,
    async stats() {
      let stats = await ask();
      let peakRss = stats.peakRss;
      const askAfter = async (ms: number) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        stats = await ask();
        peakRss = Math.max(peakRss, stats.peakRss);
      };
      const giveUpAt = Date.now() + 30_000;
      while (stats.inFlight > 0 && Date.now() < giveUpAt) await askAfter(50);
      // A request the load generator gave up on at the end of a run is closed at once, but its
      // statements still run on the server: they belong to this window.
      for (let before = -1; stats.statements !== before && Date.now() < giveUpAt; ) {
        before = stats.statements;
        await askAfter(250);
      }
      const window = {
        requests: stats.requests - previous.requests,
        statements: stats.statements - previous.statements,
        peakRss,
        cpuMicros: stats.cpuMicros - previous.cpuMicros,
      };
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
