import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { CpuTimes } from './cpu.ts';
import type { Scenario } from './scenarios.ts';

/** What one round of load on one side gave. */
export interface RoundFigures {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  statements: number;
  peakRss: number;
  /** CPU time used during the round, in microseconds: the machine's, PostgreSQL's, the load generator's, and the server's. */
  cpu: CpuTimes & { server: number };
}

/** Where a side's CPU went, over all its rounds. */
export interface CpuFigures {
  /** How many of the machine's cores were busy on average, out of `cores`. */
  coresBusy: number;
  cores: number;
  /** Milliseconds of CPU a request. */
  serverMs: number;
  postgresMs: number;
  loadMs: number;
  /** Every other process, and the kernel's work not charged to a process. */
  otherMs: number;
}

export interface SideFigures {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  statementsPerRequest: number;
  peakRssMb: number;
  cpu: CpuFigures;
  rounds: RoundFigures[];
}

export interface ScenarioFigures {
  scenario: Scenario;
  subject: SideFigures;
  baseline: SideFigures;
}

export interface Check {
  target: string;
  figure: string;
  met: boolean;
}

const round = (value: number, digits = 1) => value.toFixed(digits);

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The target's ratio for each round, the subject's round against the baseline's round after it. */
function roundRatios({ scenario, subject, baseline }: ScenarioFigures): number[] {
  const measured = (figures: RoundFigures) => ({ rps: figures.rps, statementsPerRequest: figures.statements / figures.requests });
  return scenario.target ? subject.rounds.map((figures, i) => scenario.target!.ratio(measured(figures), measured(baseline.rounds[i]))) : [];
}

export function scenarioRatio(figures: ScenarioFigures): number | undefined {
  const ratios = roundRatios(figures);
  return ratios.length ? median(ratios) : undefined;
}

function ratioText(figures: ScenarioFigures): string {
  const ratios = roundRatios(figures);
  if (!ratios.length) return '';
  const range = ratios.length > 1 ? ` (${round(Math.min(...ratios), 2)}–${round(Math.max(...ratios), 2)})` : '';
  return round(median(ratios), 2) + range;
}

export function cpuFigures(rounds: RoundFigures[]): CpuFigures {
  const total = (field: keyof RoundFigures['cpu']) => rounds.reduce((sum, round) => sum + round.cpu[field], 0);
  const requests = rounds.reduce((sum, round) => sum + round.requests, 0);
  const perRequest = (micros: number) => micros / requests / 1000;
  return {
    coresBusy: (total('machineBusy') / total('machineTotal')) * cpus().length,
    cores: cpus().length,
    serverMs: perRequest(total('server')),
    postgresMs: perRequest(total('postgres')),
    loadMs: perRequest(total('bench')),
    otherMs: perRequest(total('machineBusy') - total('server') - total('postgres') - total('bench')),
  };
}

export function cpuText(cpu: CpuFigures): string {
  return `${round(cpu.coresBusy, 2)} of ${cpu.cores} cores busy; CPU ms/req: server ${round(cpu.serverMs, 2)}, PostgreSQL ${round(cpu.postgresMs, 2)}, load generator ${round(cpu.loadMs, 2)}, other ${round(cpu.otherMs, 2)}`;
}

export function machineDescription(postgresVersion: string): string {
  const memoryGiB = Math.round(totalmem() / 2 ** 30);
  return `${cpus()[0].model.trim()}, ${cpus().length} cores, ${memoryGiB} GiB, Node ${process.version}, PostgreSQL ${postgresVersion}`;
}

export function resultsTable(figures: ScenarioFigures[]): string {
  const lines = [
    '| scenario | side | req/s | p50 ms | p99 ms | SQL/req | peak RSS MB | ratio | target |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const scenarioFigures of figures) {
    const { scenario, subject, baseline } = scenarioFigures;
    const ratio = scenarioRatio(scenarioFigures);
    const verdict =
      scenario.target && ratio !== undefined ? `${scenario.target.description}: ${scenario.target.met(ratio) ? 'met' : '**missed**'}` : '–';
    for (const [side, showRatio] of [
      [subject, true],
      [baseline, false],
    ] as const) {
      lines.push(
        `| ${showRatio ? `${scenario.id} ${scenario.title}` : ''} | ${side.label} | ${Math.round(side.rps)} | ${round(side.p50)} | ${round(side.p99)} | ${round(side.statementsPerRequest)} | ${Math.round(side.peakRssMb)} | ${showRatio ? ratioText(scenarioFigures) : ''} | ${showRatio ? verdict : ''} |`,
      );
    }
  }
  return lines.join('\n');
}

export function checksTable(checks: Check[]): string {
  return [
    '| target | figure | |',
    '| --- | --- | --- |',
    ...checks.map((c) => `| ${c.target} | ${c.figure} | ${c.met ? 'met' : '**missed**'} |`),
  ].join('\n');
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** Replaces the generated part of BENCHMARKS.md, keeping what people wrote around it. */
export function writeBenchmarks(file: string, generated: string): void {
  const block = `${START}\n${generated}\n${END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start ? current.slice(0, start) + block + current.slice(end + END.length) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
  // Laid out as `biome ci` wants it (its tables aligned), so that a run leaves the tree clean.
  execFileSync('npx', ['biome', 'format', '--write', file], { stdio: 'ignore' });
}
