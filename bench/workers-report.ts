import { type Check, median, type SideFigures } from './report.ts';
import type { Scenario } from './scenarios.ts';

/** A scenario's GraphQL side measured on servers of several worker counts. */
export interface WorkerFigures {
  scenario: Scenario;
  byCount: { count: number; figures: SideFigures }[];
}

/** Issue 19's target: 2 workers ≥ 1.6× one on a 2-core machine whose cores the database shares; n workers ≥ 0.8 n× one. */
const SCALING_PER_WORKER = 0.8;

/** Each count's round against the one-worker round of the same turn: the median, and the range. */
function ratios({ byCount }: WorkerFigures, count: number): number[] | undefined {
  const one = byCount.find((entry) => entry.count === 1)?.figures.rounds;
  const other = byCount.find((entry) => entry.count === count)!.figures.rounds;
  return one && other.map((round, i) => round.rps / one[i].rps);
}

/**
 * The most that more workers could give over one: the CPU a request takes does not shrink with
 * more processes, so if one worker already keeps a share u of the machine's cores busy, no count
 * of workers answers more than 1/u times as many requests.
 */
function ceiling({ byCount }: WorkerFigures): number | undefined {
  const one = byCount.find((entry) => entry.count === 1)?.figures.cpu;
  return one && one.cores / one.coresBusy;
}

export function workersTable(scaling: WorkerFigures[]): string {
  const lines = [
    '| scenario | workers | req/s | p50 ms | p99 ms | × 1 worker | cores busy | CPU ms/req: server, PostgreSQL, load generator, other |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const figures of scaling) {
    for (const { count, figures: side } of figures.byCount) {
      const each = ratios(figures, count);
      const ratio =
        each && count !== 1
          ? median(each).toFixed(2) + (each.length > 1 ? ` (${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)})` : '')
          : '';
      const { cpu } = side;
      lines.push(
        `| ${count === figures.byCount[0].count ? `${figures.scenario.id} ${figures.scenario.title}` : ''} | ${count} | ${Math.round(side.rps)} | ${side.p50.toFixed(1)} | ${side.p99.toFixed(1)} | ${ratio} | ${cpu.coresBusy.toFixed(2)} of ${cpu.cores} | ${[cpu.serverMs, cpu.postgresMs, cpu.loadMs, cpu.otherMs].map((ms) => ms.toFixed(2)).join(', ')} |`,
      );
    }
  }
  return lines.join('\n');
}

export function workerChecks(scaling: WorkerFigures[]): Check[] {
  return scaling.flatMap((figures) =>
    figures.byCount
      .filter(({ count }) => count > 1 && ratios(figures, count))
      .map(({ count }) => {
        const ratio = median(ratios(figures, count)!);
        const target = SCALING_PER_WORKER * count;
        const most = ceiling(figures);
        return {
          target: `${figures.scenario.id}: ${count} workers ≥ ${target.toFixed(1)}× one`,
          figure: ratio.toFixed(2) + (most === undefined ? '' : ` (the cores one worker left idle allow at most ${most.toFixed(2)}×)`),
          met: ratio >= target,
        };
      }),
  );
}
