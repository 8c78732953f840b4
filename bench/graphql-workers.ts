// The server under test with WEB_CONCURRENCY workers, as npm start runs it on PostgreSQL: a
// node:cluster primary forking bench-graphql-server.js, whose workers share one port. It speaks
// the bench's protocol (bench/server-process.ts) for them all: their port once every one listens,
// their requests, statements and RSS summed, and 'stop' passed on.
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { BenchMessage, ServerStats } from './server-process.ts';

const count = Number(process.env.WEB_CONCURRENCY);
cluster.setupPrimary({ exec: fileURLToPath(new URL('./bench-graphql-server.js', import.meta.url)) });
const workers: Worker[] = [];
for (let i = 0; i < count; i++) workers.push(cluster.fork());
const ports = await Promise.all(workers.map(async (worker) => ((await once(worker, 'message')) as [{ port: number }])[0].port));
cluster.on('exit', (worker, code) => {
  if (code !== 0) {
    console.error(`bench worker ${worker.process.pid} exited with code ${code}`);
    process.exit(1);
  }
});
process.send!({ port: ports[0] });

process.on('message', async (message: BenchMessage) => {
  if (message === 'stats') {
    const stats = await Promise.all(
      workers.map(async (worker) => {
        worker.send('stats');
        return ((await once(worker, 'message')) as [ServerStats])[0];
      }),
    );
    const sum = (field: keyof ServerStats) => stats.reduce((total, worker) => total + worker[field], 0);
    const own = process.cpuUsage();
    process.send!({
      requests: sum('requests'),
      inFlight: sum('inFlight'),
      statements: sum('statements'),
      peakRss: sum('peakRss'),
      cpuMicros: sum('cpuMicros') + own.user + own.system,
    });
  } else if (message === 'stop') {
    await Promise.all(
      workers.map((worker) => {
        worker.send('stop');
        return once(worker, 'exit');
      }),
    );
    process.exit(0);
  } else {
    throw new Error('CPU profiles are taken of the one-process GraphQL server only');
  }
});
