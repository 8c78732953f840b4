// npm run bench:data -- --customers N [--database-url URL] [--workers W]
// Fills a PostgreSQL database (by default cg_bench on this machine) with N bench customers and
// their nested data; a rerun with a larger N adds the difference.
import { parseArgs } from 'node:util';
import { BENCH_TEST_KEY, DEFAULT_BENCH_DATABASE_URL } from '../bench/bench-account.ts';
import { fillBenchCustomers, prepareBenchDatabase } from '../bench/bench-database.ts';
import { describeDatabaseUrl } from '../src/data/database.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL },
    workers: { type: 'string', default: '2' },
  },
});
const customers = Number(values.customers);
if (!Number.isInteger(customers) || customers < 1) throw new Error(`--customers must be a positive integer, got ${values.customers}`);
const databaseUrl = values['database-url'];

console.log(`Bench data: ${customers.toLocaleString('en-US')} customers in ${describeDatabaseUrl(databaseUrl)}`);
const started = Date.now();
await prepareBenchDatabase(databaseUrl);
const added = await fillBenchCustomers(databaseUrl, customers, (line) => console.log(line), Number(values.workers));
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(added ? `Added ${added.toLocaleString('en-US')} customers in ${seconds}s` : 'Already there: nothing to add');
console.log(`TEST API key of the bench account: ${BENCH_TEST_KEY}`);
