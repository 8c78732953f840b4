// npm run bench -- [--customers N] [--duration S] [--rounds R] [--warmup S] [--connections C]
//                  [--scenarios A,B,...] [--database-url URL] [--cpu-prof] [--output FILE] [--workers 1,2]
// --workers also measures the GraphQL side of the selected scenarios among B and C (the reads
// whose scaling SCALING.md reports) on a server of that many worker processes (as npm start runs
// on PostgreSQL), each count in turn, round after round.
// --cpu-prof writes a CPU profile of the GraphQL server per scenario, over all its rounds, into
// bench/profiles (read it with scripts/cpu-profile-top.ts).
// Loads the bench database to N customers if it has fewer, starts the GraphQL server and the
// baselines in processes of their own, drives each scenario with autocannon after a warm-up,
// its two sides taking turns for R rounds, prints the table and writes it into BENCHMARKS.md.
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_BENCH_DATABASE_URL } from './bench-account.ts';
import { fillBenchCustomers, prepareBenchDatabase, warmPageCache } from './bench-database.ts';
import { checkAnswers, checkSameJson, checkSameMeter, statementsByPageSize } from './checks.ts';
import { loadBenchContext, postgresVersion } from './context.ts';
import { cpuReading, cpuSince } from './cpu.ts';
import { load } from './load.ts';
import {
  type Check,
  checksTable,
  cpuFigures,
  cpuText,
  machineDescription,
  median,
  type RoundFigures,
  resultsTable,
  type ScenarioFigures,
  type SideFigures,
  scenarioRatio,
  writeBenchmarks,
} from './report.ts';
import { scenarios as allScenarios, type Scenario, type ServerName, type Side } from './scenarios.ts';
import { productionLaunch, type ServerUnderTest, startServer } from './servers.ts';
import { type WorkerFigures, workerChecks, workersTable } from './workers-report.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    scenarios: { type: 'string', default: 'A,R,B,C,D,E,S,T,F,G' },
    'cpu-prof': { type: 'boolean', default: false },
    output: { type: 'string', default: 'BENCHMARKS.md' },
    workers: { type: 'string', default: '' },
  },
});
const databaseUrl = values['database-url'];
const connections = Number(values.connections);
const duration = Number(values.duration);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number of at least 1, got "${values.rounds}"`);
const warmup = Number(values.warmup);
const WORKER_SCENARIOS = ['B', 'C'];
const workerCounts = values.workers ? values.workers.split(',').map(Number) : [];
if (!workerCounts.every((count) => Number.isInteger(count) && count >= 1)) {
  throw new Error(`--workers must be whole numbers of at least 1, separated by commas, got "${values.workers}"`);
}
// Pages of the bench data from 25 customers up hold a referral with a reward; a smaller page
// may not, and then rightly skips the reward statement.
const PAGE_SIZES = [25, 50, 100];
const RSS_LIMIT_MB = 300;

await prepareBenchDatabase(databaseUrl);
await fillBenchCustomers(databaseUrl, Number(values.customers), (line) => console.log(`bench:data ${line}`));
console.log(`bench: ${await warmPageCache(databaseUrl)}`);
const context = await loadBenchContext(databaseUrl);
const selected = allScenarios(context).filter((s) => values.scenarios.split(',').includes(s.id));
const PROFILES_DIR = 'bench/profiles';
if (values['cpu-prof']) mkdirSync(PROFILES_DIR, { recursive: true });
const withRateLimit = (operationsPerSecond: number) => {
  const launch = productionLaunch();
  return { ...launch, env: { ...launch.env, RATE_LIMIT_LIVE: String(operationsPerSecond), RATE_LIMIT_TEST: String(operationsPerSecond) } };
};
const servers: Record<ServerName, ServerUnderTest> = {
  // The GraphQL servers run as npm start runs the app, the baselines with Node's defaults. The
  // load is far past any key's rate limit: scenario R alone measures the limiter.
  graphql: await startServer('bench-graphql-server.js', databaseUrl, withRateLimit(0)),
  rateLimited: await startServer('bench-graphql-server.js', databaseUrl, withRateLimit(100_000_000)),
  raw: await startServer('bench-raw-endpoint.js', databaseUrl),
};
const workerServers = new Map<number, ServerUnderTest>();
for (const count of workerCounts) {
  const launch = withRateLimit(0);
  workerServers.set(
    count,
    await startServer('bench-graphql-workers.js', databaseUrl, { ...launch, env: { ...launch.env, WEB_CONCURRENCY: String(count) } }),
  );
}

async function measureRound(side: Side, server = servers[side.server]): Promise<RoundFigures> {
  await server.stats();
  const start = cpuReading();
  const result = await load(server.url, side, { connections, duration });
  const cpu = cpuSince(start);
  const stats = await server.stats();
  return {
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    requests: stats.requests,
    statements: stats.statements,
    peakRss: stats.peakRss,
    cpu: { ...cpu, server: stats.cpuMicros },
  };
}

function sideFigures(side: Side, measured: RoundFigures[]): SideFigures {
  const statements = measured.reduce((sum, round) => sum + round.statements, 0);
  const requests = measured.reduce((sum, round) => sum + round.requests, 0);
  const figures = {
    label: side.label,
    rps: median(measured.map((round) => round.rps)),
    p50: median(measured.map((round) => round.p50)),
    p99: median(measured.map((round) => round.p99)),
    statementsPerRequest: statements / requests,
    peakRssMb: Math.max(...measured.map((round) => round.peakRss)) / 2 ** 20,
    cpu: cpuFigures(measured),
    rounds: measured,
  };
  console.log(
    `  ${side.label}: ${Math.round(figures.rps)} req/s (median of ${measured.map((round) => Math.round(round.rps)).join(', ')}), p50 ${figures.p50} ms, p99 ${figures.p99} ms, ${figures.statementsPerRequest.toFixed(1)} SQL/req, ${Math.round(figures.peakRssMb)} MB; ${cpuText(figures.cpu)}`,
  );
  return figures;
}

/**
 * The two sides take turns, round after round: the load that other processes put on the machine
 * drifts over seconds, and a ratio of neighbouring rounds cancels most of that drift.
 */
async function measure(scenario: Scenario): Promise<ScenarioFigures> {
  const { subject, baseline } = scenario;
  for (const side of [subject, baseline]) if (warmup > 0) await load(servers[side.server].url, side, { connections, duration: warmup });
  const profiled = values['cpu-prof'] ? [subject, baseline].filter((side) => side.server === 'graphql') : [];
  if (profiled.length) await servers.graphql.profileStart();
  const subjectRounds: RoundFigures[] = [];
  const baselineRounds: RoundFigures[] = [];
  for (let round = 0; round < rounds; round++) {
    subjectRounds.push(await measureRound(subject));
    baselineRounds.push(await measureRound(baseline));
  }
  if (profiled.length) {
    const file = `${PROFILES_DIR}/${scenario.id}-${profiled
      .map((side) => side.label)
      .join('-')
      .replaceAll(/\W+/g, '-')}.cpuprofile`;
    await servers.graphql.profileStopInto(file);
    console.log(`  profile: ${file}`);
  }
  return { scenario, subject: sideFigures(subject, subjectRounds), baseline: sideFigures(baseline, baselineRounds) };
}

/** The scenario's GraphQL side on each worker count, the counts taking turns round after round. */
async function measureWorkers(scenario: Scenario): Promise<WorkerFigures> {
  const side = scenario.subject;
  for (const server of workerServers.values()) if (warmup > 0) await load(server.url, side, { connections, duration: warmup });
  const measured = new Map<number, RoundFigures[]>(workerCounts.map((count) => [count, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [count, server] of workerServers) measured.get(count)!.push(await measureRound(side, server));
  }
  return {
    scenario,
    byCount: workerCounts.map((count) => ({
      count,
      figures: sideFigures({ ...side, label: `${side.label}, ${count} worker${count === 1 ? '' : 's'}` }, measured.get(count)!),
    })),
  };
}

try {
  console.log(
    `${context.customerCount.toLocaleString('en-US')} bench customers; ${connections} connections, ${warmup}s warm-up, ${rounds} rounds of ${duration}s per side`,
  );
  await checkSameJson(servers, selected);
  await checkSameMeter(servers, selected);
  await checkAnswers(
    servers,
    selected.flatMap((s) => [s.subject, s.baseline]),
  );
  const byPageSize = await statementsByPageSize(servers.graphql, PAGE_SIZES);
  const results: ScenarioFigures[] = [];
  for (const scenario of selected) {
    console.log(`${scenario.id} ${scenario.title}${scenario.note ? ` (${scenario.note})` : ''}`);
    results.push(await measure(scenario));
  }
  const scaling: WorkerFigures[] = [];
  for (const scenario of workerCounts.length ? selected.filter((s) => WORKER_SCENARIOS.includes(s.id)) : []) {
    console.log(`${scenario.id} with ${workerCounts.join(', ')} workers`);
    scaling.push(await measureWorkers(scenario));
  }

  const graphqlPeakMb = Math.max(
    ...results.flatMap(({ scenario, subject, baseline }) => [
      ...(scenario.subject.server === 'graphql' ? [subject.peakRssMb] : []),
      ...(scenario.baseline.server === 'graphql' ? [baseline.peakRssMb] : []),
    ]),
  );
  const counts = [...byPageSize].map(([size, count]) => `first ${size}: ${count}`).join(', ');
  const checks: Check[] = [
    ...results
      .filter((r) => r.scenario.target)
      .map((r) => {
        const ratio = scenarioRatio(r)!;
        return {
          target: `${r.scenario.id}: ${r.scenario.target!.description}`,
          figure: ratio.toFixed(2),
          met: r.scenario.target!.met(ratio),
        };
      }),
    {
      target: 'SQL statements per customers request independent of page size',
      figure: counts,
      met: new Set(byPageSize.values()).size === 1,
    },
    {
      target: `GraphQL server RSS under load < ${RSS_LIMIT_MB} MB`,
      figure: `${Math.round(graphqlPeakMb)} MB peak`,
      met: graphqlPeakMb < RSS_LIMIT_MB,
    },
  ];
  const notes = selected.filter((s) => s.note).map((s) => `- ${s.id}: ${s.note}`);
  const generated = [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDescription(await postgresVersion(databaseUrl))}.`,
    '',
    `\`npm run bench -- ${process.argv.slice(2).join(' ')}\`: ${context.customerCount.toLocaleString('en-US')} bench customers, ${connections} connections, ${warmup}s warm-up, then ${rounds} rounds of ${duration}s of load per side, the sides taking turns; autocannon in the bench process, each server in its own process. Each side's req/s and latencies are the medians of its rounds; a ratio is the median of the ratios of neighbouring rounds, with their range.`,
    '',
    resultsTable(results),
    ...(scaling.length ? ['', workersTable(scaling)] : []),
    '',
    checksTable([...checks, ...workerChecks(scaling)]),
    ...(notes.length ? ['', ...notes] : []),
  ].join('\n');
  console.log(`\n${generated}\n`);
  writeBenchmarks(values.output, generated);
  console.log(`Wrote ${values.output}`);
} finally {
  await Promise.all([...Object.values(servers), ...workerServers.values()].map((server) => server.stop()));
}
