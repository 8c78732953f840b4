// npm run bench -- [--customers N] [--duration S] [--warmup S] [--connections C] [--scenarios A,B,...]
//                  [--database-url URL] [--cpu-prof] [--output FILE]
// --cpu-prof writes a CPU profile of the GraphQL server per measured side into bench/profiles
// (read it with scripts/cpu-profile-top.ts).
// Loads the bench database to N customers if it has fewer, starts the GraphQL server and the
// baselines in processes of their own, drives each scenario with autocannon after a warm-up,
// prints the table and writes it into BENCHMARKS.md.
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_BENCH_DATABASE_URL } from './bench-account.ts';
import { fillBenchCustomers, prepareBenchDatabase } from './bench-database.ts';
import { checkAnswers, checkSameJson, statementsByPageSize } from './checks.ts';
import { loadBenchContext, postgresVersion } from './context.ts';
import { load } from './load.ts';
import { type Check, checksTable, machineDescription, resultsTable, type ScenarioFigures, type SideFigures, writeBenchmarks } from './report.ts';
import { type Scenario, type ServerName, type Side, scenarios as allScenarios } from './scenarios.ts';
import { productionLaunch, startServer, type ServerUnderTest } from './servers.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    scenarios: { type: 'string', default: 'A,B,C,D,E,F' },
    'cpu-prof': { type: 'boolean', default: false },
    output: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
const databaseUrl = values['database-url'];
const connections = Number(values.connections);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
// Pages of the bench data from 25 customers up hold a referral with a reward; a smaller page
// may not, and then rightly skips the reward statement.
const PAGE_SIZES = [25, 50, 100];
const RSS_LIMIT_MB = 300;

await prepareBenchDatabase(databaseUrl);
await fillBenchCustomers(databaseUrl, Number(values.customers), (line) => console.log(`bench:data ${line}`));
const context = await loadBenchContext(databaseUrl);
const selected = allScenarios(context).filter((s) => values.scenarios.split(',').includes(s.id));
const PROFILES_DIR = 'bench/profiles';
if (values['cpu-prof']) mkdirSync(PROFILES_DIR, { recursive: true });
const servers: Record<ServerName, ServerUnderTest> = {
  // The GraphQL server runs as npm start runs the app; the baselines with Node's defaults.
  graphql: await startServer('bench-graphql-server.js', databaseUrl, productionLaunch()),
  raw: await startServer('bench-raw-endpoint.js', databaseUrl),
};

async function measure(scenario: Scenario, side: Side): Promise<SideFigures> {
  const server = servers[side.server];
  if (warmup > 0) await load(server.url, side, { connections, duration: warmup });
  await server.stats();
  const profile = values['cpu-prof'] && side.server === 'graphql';
  if (profile) await server.profileStart();
  const result = await load(server.url, side, { connections, duration });
  const stats = await server.stats();
  if (profile) {
    const file = `${PROFILES_DIR}/${scenario.id}-${side.label.replaceAll(/\W+/g, '-')}.cpuprofile`;
    await server.profileStopInto(file);
    console.log(`  profile: ${file}`);
  }
  const figures = {
    label: side.label,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    statementsPerRequest: stats.statements / stats.requests,
    peakRssMb: stats.peakRss / 2 ** 20,
  };
  console.log(`  ${side.label}: ${Math.round(figures.rps)} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, ${figures.statementsPerRequest.toFixed(1)} SQL/req, ${Math.round(figures.peakRssMb)} MB`);
  return figures;
}

try {
  console.log(`${context.customerCount.toLocaleString('en-US')} bench customers; ${connections} connections, ${warmup}s warm-up, ${duration}s per side`);
  await checkSameJson(servers, selected);
  await checkAnswers(servers, selected.flatMap((s) => [s.subject, s.baseline]));
  const byPageSize = await statementsByPageSize(servers.graphql, PAGE_SIZES);
  const results: ScenarioFigures[] = [];
  for (const scenario of selected) {
    console.log(`${scenario.id} ${scenario.title}${scenario.note ? ` (${scenario.note})` : ''}`);
    results.push({ scenario, subject: await measure(scenario, scenario.subject), baseline: await measure(scenario, scenario.baseline) });
  }

  const graphqlPeakMb = Math.max(
    ...results.flatMap(({ scenario, subject, baseline }) => [
      ...(scenario.subject.server === 'graphql' ? [subject.peakRssMb] : []),
      ...(scenario.baseline.server === 'graphql' ? [baseline.peakRssMb] : []),
    ]),
  );
  const counts = [...byPageSize].map(([size, count]) => `first ${size}: ${count}`).join(', ');
  const checks: Check[] = [
    ...results.filter((r) => r.scenario.target).map((r) => {
      const ratio = r.scenario.target!.ratio(r.subject, r.baseline);
      return { target: `${r.scenario.id}: ${r.scenario.target!.description}`, figure: ratio.toFixed(2), met: r.scenario.target!.met(ratio) };
    }),
    { target: 'SQL statements per customers request independent of page size', figure: counts, met: new Set(byPageSize.values()).size === 1 },
    { target: `GraphQL server RSS under load < ${RSS_LIMIT_MB} MB`, figure: `${Math.round(graphqlPeakMb)} MB peak`, met: graphqlPeakMb < RSS_LIMIT_MB },
  ];
  const notes = selected.filter((s) => s.note).map((s) => `- ${s.id}: ${s.note}`);
  const generated = [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDescription(await postgresVersion(databaseUrl))}.`,
    '',
    `\`npm run bench -- ${process.argv.slice(2).join(' ')}\`: ${context.customerCount.toLocaleString('en-US')} bench customers, ${connections} connections, ${warmup}s warm-up and ${duration}s of load per side, autocannon in the bench process, each server in its own process.`,
    '',
    resultsTable(results),
    '',
    checksTable(checks),
    ...(notes.length ? ['', ...notes] : []),
  ].join('\n');
  console.log(`\n${generated}\n`);
  writeBenchmarks(values.output, generated);
  console.log(`Wrote ${values.output}`);
} finally {
  await Promise.all(Object.values(servers).map((server) => server.stop()));
}
