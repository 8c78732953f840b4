import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { productionLaunch } from '../../bench/servers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Builds dist/ as `npm start` does. */
export function buildServer(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

export interface BuiltServer {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output from `from` on, once it has been written. */
  waitForOutput(pattern: RegExp, from?: number): Promise<RegExpExecArray>;
  /** The pids of the workers listening now, as the primary reports them. */
  workerPids(): number[];
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();
// A test that fails half way must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Runs dist/main.js as `npm start` does, on 127.0.0.1 and a free port, and waits until it listens. */
export async function startBuiltServer(env: Record<string, string>): Promise<BuiltServer> {
  const launch = productionLaunch();
  const child = spawn(process.execPath, [...launch.execArgv, 'dist/main.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...launch.env,
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_LIVE: process.env.RATE_LIMIT_LIVE,
      RATE_LIMIT_TEST: process.env.RATE_LIMIT_TEST,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      for (const waiter of waiters) waiter();
      resolve(code);
    }),
  );
  const waitForOutput = (pattern: RegExp, from = 0) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output.slice(from));
        if (match) {
          waiters.delete(check);
          resolve(match);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(new Error(`the server exited before writing ${pattern}:\n${output}`));
        }
      };
      waiters.add(check);
      check();
    });
  const [, port] = await waitForOutput(/listening on http:\/\/127\.0\.0\.1:(\d+)\/graphql/);
  return {
    child,
    origin: `http://127.0.0.1:${port}`,
    output: () => output,
    waitForOutput,
    workerPids() {
      const pids = new Set<number>();
      for (const [, pid, what] of output.matchAll(/^Worker (\d+) (listening|died)/gm)) {
        if (what === 'listening') pids.add(Number(pid));
        else pids.delete(Number(pid));
      }
      return [...pids];
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** An SSE subscription on a connection of its own: what it received, and whether its stream has ended. */
export function subscribeOverSse(origin: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const received: any[] = [];
  let ended = false;
  const controller = new AbortController();
  const done = (async () => {
    try {
      const response = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
      const decoder = new TextDecoder();
      let buffer = '';
      const reader = response.body!.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        buffer += decoder.decode(chunk.value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (/^event: next$/m.test(message) && data) received.push(JSON.parse(data));
        }
      }
    } catch {
      // The connection was cut (its worker died) or close() aborted it.
    } finally {
      ended = true;
    }
  })();
  return {
    received,
    ended: () => ended,
    async close() {
      controller.abort();
      await done;
    },
  };
}

/** Resolves once `check` holds, polling; fails with `describe()` after `timeoutMs`. */
export async function eventually(check: () => boolean, describe: () => string, timeoutMs = 30_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > giveUpAt) throw new Error(`waited in vain: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** POSTs a GraphQL request on a connection of its own, closed after it, so the primary hands it to the next worker. */
export function postOnNewConnection(origin: string, key: string, query: string, variables?: Record<string, unknown>) {
  return new Promise<{ status: number; data?: any; errors?: { extensions?: Record<string, unknown> }[] }>((resolve, reject) => {
    const body = JSON.stringify({ query, variables });
    const req = request(
      `${origin}/graphql`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, ...JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
