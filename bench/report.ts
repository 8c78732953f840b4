import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Scenario } from './scenarios.ts';

export interface SideFigures {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  statementsPerRequest: number;
  peakRssMb: number;
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

export function machineDescription(postgresVersion: string): string {
  const memoryGiB = Math.round(totalmem() / 2 ** 30);
  return `${cpus()[0].model.trim()}, ${cpus().length} cores, ${memoryGiB} GiB, Node ${process.version}, PostgreSQL ${postgresVersion}`;
}

export function resultsTable(figures: ScenarioFigures[]): string {
  const lines = [
    '| scenario | side | req/s | p50 ms | p99 ms | SQL/req | peak RSS MB | ratio | target |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const { scenario, subject, baseline } of figures) {
    const ratio = scenario.target?.ratio(subject, baseline);
    const verdict = scenario.target && ratio !== undefined ? `${scenario.target.description}: ${scenario.target.met(ratio) ? 'met' : '**missed**'}` : '–';
    for (const [side, showRatio] of [[subject, true], [baseline, false]] as const) {
      lines.push(
        `| ${showRatio ? `${scenario.id} ${scenario.title}` : ''} | ${side.label} | ${Math.round(side.rps)} | ${round(side.p50)} | ${round(side.p99)} | ${round(side.statementsPerRequest)} | ${Math.round(side.peakRssMb)} | ${showRatio && ratio !== undefined ? round(ratio, 2) : ''} | ${showRatio ? verdict : ''} |`,
      );
    }
  }
  return lines.join('\n');
}

export function checksTable(checks: Check[]): string {
  return ['| target | figure | |', '| --- | --- | --- |', ...checks.map((c) => `| ${c.target} | ${c.figure} | ${c.met ? 'met' : '**missed**'} |`)].join('\n');
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** Replaces the generated part of BENCHMARKS.md, keeping what people wrote around it. */
export function writeBenchmarks(file: string, generated: string): void {
  const block = `${START}\n${generated}\n${END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next = start >= 0 && end > start ? current.slice(0, start) + block + current.slice(end + END.length) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
