// npm run report:trust: runs the suites that try to break the API, on the embedded database and,
// when DATABASE_URL is set, on PostgreSQL too; prints what they tried and writes TRUST.md.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeDatabaseUrl } from '../src/data/database.ts';
import type { TrustFigure } from '../test/support/trust-record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUITES = [
  'isolation',
  'isolation-verbs',
  'limits',
  'limits-verbs',
  'idempotency',
  'concurrency',
  'faults',
  'fuzz',
  'fuzz-verbs',
  'accounts-cli',
  'document-analysis',
  'schema-root',
  'input-hardening',
  'error-log',
  'http-limits',
  'data-dir-lock',
  'demo-key',
  'rate-limit',
].map((name) => `test/${name}.test.ts`);

interface Run {
  database: string;
  figures: TrustFigure[];
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

async function runSuites(database: string, databaseUrl: string | undefined): Promise<Run> {
  const folder = mkdtempSync(join(tmpdir(), 'trust-report-'));
  const records = join(folder, 'figures.jsonl');
  const results = join(folder, 'results.json');
  writeFileSync(records, '');
  const env: NodeJS.ProcessEnv = { ...process.env, TRUST_RECORD_FILE: records };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  console.error(`Running ${SUITES.length} suites on ${database}…`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      join(ROOT, 'node_modules/.bin/vitest'),
      ['run', ...SUITES, '--reporter=dot', '--reporter=json', `--outputFile.json=${results}`],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  try {
    const report = JSON.parse(readFileSync(results, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      testResults: { assertionResults: { fullName: string; status: string }[] }[];
    };
    const figures = readFileSync(records, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TrustFigure);
    return {
      database,
      figures,
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      skipped: report.numPendingTests,
      failures: report.testResults.flatMap((file) => file.assertionResults.filter((r) => r.status === 'failed').map((r) => r.fullName)),
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const total = (run: Run, field: 'crossTenantReads' | 'lostWrites' | 'doubledWrites') =>
  run.figures.reduce((sum, figure) => sum + (figure[field] ?? 0), 0);
const cell = (value: string | number | undefined) => String(value ?? '—').replace(/\|/g, '\\|');
const ORDER = [
  'Isolation',
  'Limits',
  'Document analysis',
  'Cost',
  'Schema',
  'Input',
  'Email',
  'Fuzz',
  'HTTP',
  'Rate limit',
  'Logs',
  'Demo key',
  'Idempotency',
  'Concurrency',
  'Fault',
];
const rank = (figure: TrustFigure) => ORDER.findIndex((prefix) => figure.attack.startsWith(prefix));

function table(run: Run): string {
  const figures = [...run.figures].sort((a, b) => rank(a) - rank(b));
  const rows = figures.map((f) => {
    const writes =
      f.lostWrites === undefined && f.doubledWrites === undefined ? undefined : `${f.lostWrites ?? '—'} / ${f.doubledWrites ?? '—'}`;
    return [f.attack, f.tries, f.outcome, f.rowsChanged, f.crossTenantReads, writes].map(cell);
  });
  return [
    '| attack or fault | tries | what came back | rows changed | cross-tenant reads | lost / doubled writes |',
    '| --- | ---: | --- | --- | ---: | ---: |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function summary(runs: Run[]): string {
  const line = (label: string, value: (run: Run) => string | number) => `| ${label} | ${runs.map((run) => value(run)).join(' | ')} |`;
  return [
    `| | ${runs.map((run) => run.database).join(' | ')} |`,
    `| --- | ${runs.map(() => '---:').join(' | ')} |`,
    line(
      'tests passed',
      (run) => `${run.passed} of ${run.passed + run.failed}${run.skipped ? ` (${run.skipped} PostgreSQL-only skipped)` : ''}`,
    ),
    line('attacks and faults tried', (run) => run.figures.reduce((sum, f) => sum + f.tries, 0)),
    line('cross-tenant reads', (run) => total(run, 'crossTenantReads')),
    line('lost writes', (run) => total(run, 'lostWrites')),
    line('doubled writes', (run) => total(run, 'doubledWrites')),
  ].join('\n');
}

const runs = [await runSuites('embedded PGlite', undefined)];
if (process.env.DATABASE_URL) runs.push(await runSuites(describeDatabaseUrl(process.env.DATABASE_URL), process.env.DATABASE_URL));

const sections = runs.map((run) => {
  const failures = run.failures.length
    ? `\n\n**Failed, so without figures:**\n\n${run.failures.map((name) => `- ${name}`).join('\n')}`
    : '';
  return `## ${run.database}\n\n${table(run)}${failures}`;
});
const markdown = `# Trust report

Written by \`npm run report:trust\` on ${new Date().toISOString().slice(0, 10)}. It runs the suites that try to
break the API (${SUITES.map((s) => `\`${s}\``).join(', ')}) and lists what each test tried and
measured. A figure is recorded only after its test's assertions passed; a failing test is listed
instead. Tests that need PostgreSQL (two server processes, the database going away) run only
when \`DATABASE_URL\` is set.

${summary(runs)}

${sections.join('\n\n')}
`;

writeFileSync(join(ROOT, 'TRUST.md'), markdown);
console.log(markdown);
if (runs.some((run) => run.failed > 0)) process.exitCode = 1;
