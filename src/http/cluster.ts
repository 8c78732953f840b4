import cluster, { type Worker } from 'node:cluster';

/** A worker that dies sooner than this after its start counts as failing to run, and backs the restarts off. */
const STABLE_MS = 10_000;
const RESTART_DELAY_MS = { first: 1000, max: 30_000 };

export interface WorkersOptions {
  count: number;
  /** The worker's script. */
  exec: string;
  /** Called once every worker listens, with the port they share. */
  onListening(port: number): void;
}

/**
 * Runs `count` workers of `exec` behind one port (node:cluster), the first of them with
 * WORKER_DUE_WORK=true. A worker that dies is replaced: at once after a run of STABLE_MS or more,
 * else after a delay that doubles with each quick death in a row, so a worker that cannot start
 * is not forked in a tight loop. SIGTERM or SIGINT passes SIGTERM to every worker, waits for them
 * all to finish, and exits 0 if they all stopped cleanly.
 */
export function runWorkers({ count, exec, onListening }: WorkersOptions): void {
  cluster.setupPrimary({ exec });
  const slots = new Map<Worker, { slot: number; startedAt: number }>();
  let quickDeaths = 0;
  let stopping = false;
  let failedStops = 0;

  const fork = (slot: number) => {
    const worker = cluster.fork({ WORKER_DUE_WORK: String(slot === 0) });
    slots.set(worker, { slot, startedAt: performance.now() });
  };

  const listened = new Set<number>();
  cluster.on('listening', (worker, address) => {
    console.log(`Worker ${worker.process.pid} listening`);
    const first = listened.size < count;
    listened.add(slots.get(worker)!.slot);
    if (first && listened.size === count) onListening(address.port);
  });

  cluster.on('exit', (worker, code, signal) => {
    const { slot, startedAt } = slots.get(worker)!;
    slots.delete(worker);
    const how = signal ? `of ${signal}` : `with code ${code}`;
    if (stopping) {
      if (code !== 0) {
        failedStops++;
        console.error(`Worker ${worker.process.pid} exited ${how}`);
      }
      if (!slots.size) process.exit(failedStops ? 1 : 0);
      return;
    }
    quickDeaths = performance.now() - startedAt < STABLE_MS ? quickDeaths + 1 : 0;
    const delay = quickDeaths ? Math.min(RESTART_DELAY_MS.max, RESTART_DELAY_MS.first * 2 ** (quickDeaths - 1)) : 0;
    console.error(`Worker ${worker.process.pid} died ${how}; starting another in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, delay);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: stopping ${slots.size} workers`);
      if (!slots.size) process.exit(0);
      for (const worker of slots.keys()) worker.process.kill('SIGTERM');
    });
  }

  for (let slot = 0; slot < count; slot++) fork(slot);
}
