import type { AddressInfo } from 'node:net';
import type { Config } from '../config/env.ts';
import type { Limits } from '../config/limits.ts';
import { observabilityFromEnv } from '../config/observability.ts';
import type { Database } from '../data/database.ts';
import { scheduleDueWork } from '../resolvers/schedules.ts';
import { createApp } from './app.ts';
import { createHttpServer, shutdown } from './server.ts';
import { tracingFromEnv } from './tracing.ts';

export interface ServeOptions {
  config: Config;
  limits: Limits;
  db: Database;
  graphiqlApiKey?: string;
  /**
   * Whether this process stores the due work (balance resets, subscriptions ending). The work is
   * exactly-once however many processes run it, so this only spares the others its statements.
   */
  dueWork: boolean;
  onListening(port: number): void;
}

/**
 * Serves the API in this process until SIGTERM or SIGINT, then finishes the requests in flight
 * (ending streams after the execution time limit), closes the database and exits.
 */
export function serveProcess({ config, limits, db, graphiqlApiKey, dueWork, onListening }: ServeOptions): void {
  const observability = observabilityFromEnv();
  const tracing = tracingFromEnv(observability);
  const app = createApp({ db, graphiqlApiKey, limits, observability, logRequests: true, tracer: tracing?.tracer });
  // Reads and meters see a balance reset as soon as it is due; this stores resets, and ends the
  // subscriptions set to end at their period end, once a minute.
  if (dueWork) {
    scheduleDueWork(db.prisma, 60_000, (error) =>
      console.error('Due work failed:', (error as { code?: string })?.code ?? (error instanceof Error ? error.name : 'unknown')),
    );
  }
  const server = createHttpServer(app, db);
  server.listen(config.port, config.host, () => onListening((server.address() as AddressInfo).port));

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: finishing requests in flight, then closing the database`);
      // What is still open once no request can still be executing is a stream (an SSE
      // subscription), which would hold the process forever; its client resumes with `after`.
      setTimeout(() => server.closeAllConnections(), limits.executionTimeoutMs).unref();
      Promise.all([shutdown(server, db), tracing?.shutdown()]).then(
        () => process.exit(0),
        (error) => {
          console.error('Shutdown failed:', error instanceof Error ? error.message : error);
          process.exit(1);
        },
      );
    });
  }
}
