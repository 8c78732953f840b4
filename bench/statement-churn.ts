// npm run bench:statements [-- --seconds S]
// Reads by id when clients send more distinct documents than a pooled connection keeps prepared
// (CAPACITY.preparedReadsPerConnection; these are small, so the count binds): req/s and the connections the pool opened, with 50 and
// with 150 documents in rotation, twice each. In process (app.fetch, 10 requests at a time), on
// the bench database (npm run bench:data), without the rate limiter.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CAPACITY, limitsFromEnv } from '../src/config/limits.ts';
import { openDatabase } from '../src/data/database.ts';
import { createApp } from '../src/http/app.ts';
import { BENCH_TEST_KEY, DEFAULT_BENCH_DATABASE_URL } from './bench-account.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' } } });
const seconds = Number(values.seconds);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL;

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
const ids = (await client.query<{ id: string }>('SELECT id FROM "Customer" ORDER BY id LIMIT 2000')).rows.map((row) => row.id);
await client.end();

const db = await openDatabase({ databaseUrl });
let opened = 0;
db.pool?.on('connect', () => opened++);
const app = createApp({ db, limits: limitsFromEnv({ RATE_LIMIT_LIVE: '0', RATE_LIMIT_TEST: '0' }) });

const FIELDS =
  'id name email subscriptions { planId status } balances { featureId remaining } invoices(first: 3) { edges { node { id } } }';
/** Documents that differ by an alias only: each is a statement of its own. */
const documents = (count: number) =>
  Array.from({ length: count }, (_, i) => `query Customer${i}($id: ID!) { customer(id: $id) { alias${i}: id ${FIELDS} } }`);
const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];

async function run(count: number) {
  const rotation = documents(count);
  const ends = Date.now() + seconds * 1000;
  let answered = 0;
  opened = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (Date.now() < ends) {
        const response = await app.fetch('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TEST_KEY}` },
          body: JSON.stringify({ query: pick(rotation), variables: { id: pick(ids) } }),
        });
        const body = (await response.json()) as { data?: { customer?: unknown } };
        if (!body.data?.customer) throw new Error(`not answered: ${JSON.stringify(body).slice(0, 200)}`);
        answered++;
      }
    }),
  );
  console.log(`| ${count} | ${Math.round(answered / seconds)} | ${opened} |`);
}

console.log(
  `${CAPACITY.preparedReadsPerConnection} prepared reads and ${CAPACITY.preparedReadCharactersPerConnection} characters of them a connection at most, ${seconds} s a run`,
);
console.log('| documents in rotation | req/s | connections opened |');
console.log('| ---: | ---: | ---: |');
for (const count of [50, 150, 50, 150]) await run(count);
await db.close();
