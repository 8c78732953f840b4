// npm run bench:compile
// What the compiled read's compiler costs the server a request, for the scenarios' documents (and
// a lookup by externalId): each request with values the statement was built for, and each with new
// ones (another cursor, search term, externalId). Needs no database: it calls the compiler as the
// compiled-read plugin does.
import { type DocumentNode, parse } from 'graphql';
import { compileRead } from '../src/data/compiled-read/compiler.ts';
import { encodeCursor } from '../src/data/pagination.ts';
import { schema } from '../src/schema/index.ts';
import { CUSTOMER_BY_ID, CUSTOMER_FIELDS, CUSTOMERS_AFTER, CUSTOMERS_FOUND } from './queries.ts';

const TENANT = { accountId: 'acct_Benchmark000000000000000', env: 'TEST' } as const;
const RUNS = 2_000;

/** B's page of every field, read on from a cursor: what a client paging through the list sends. */
const PAGE_AFTER = `query CustomersPageAfter($first: Int!, $after: String) {
  customers(first: $first, after: $after) { edges { cursor node { ${CUSTOMER_FIELDS} } } }
}`;

const customerId = (n: number) => `cus_${n.toString(36).padStart(14, '0')}`;
const cursorOf = (n: number) => encodeCursor('Customer', 'id', { id: customerId(n) });

const documents: { name: string; query: string; variables: (n: number) => Record<string, unknown> }[] = [
  { name: 'B: every field, after a cursor', query: PAGE_AFTER, variables: (n) => ({ first: 20, after: cursorOf(n) }) },
  { name: 'C: every field, by id', query: CUSTOMER_BY_ID, variables: (n) => ({ id: customerId(n) }) },
  { name: 'D: four fields, after a cursor', query: CUSTOMERS_AFTER, variables: (n) => ({ first: 20, after: cursorOf(n) }) },
  { name: 'S: a search', query: CUSTOMERS_FOUND, variables: (n) => ({ filter: { search: `lovelace.${n}@` } }) },
  { name: 'S: an email', query: CUSTOMERS_FOUND, variables: (n) => ({ filter: { email: `ada.lovelace.${n}@example.com` } }) },
  {
    name: 'every field, by externalId',
    query: `query CustomerByExternalId($externalId: String!) { customerByExternalId(externalId: $externalId) { ${CUSTOMER_FIELDS} } }`,
    variables: (n) => ({ externalId: `user_${n}` }),
  },
];

/** Microseconds a call, the median of 5 runs of RUNS calls, numbered from `first` on. */
function microseconds(document: DocumentNode, variables: (n: number) => Record<string, unknown>, first: number): number {
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    for (let n = first + run * RUNS; n < first + (run + 1) * RUNS; n++) compileRead(schema, document, undefined, variables(n), TENANT);
    runs.push(((performance.now() - started) * 1000) / RUNS);
  }
  return runs.sort((a, b) => a - b)[2];
}

const parsed = documents.map((each) => ({ ...each, document: parse(each.query) }));
// Both ways first, so that neither column is measured while V8 still optimizes the compiler.
for (const { document, variables } of parsed) {
  microseconds(document, () => variables(0), 0);
  microseconds(document, variables, 1);
}
console.log('| document | µs a request, values seen before | µs a request, new values |');
console.log('| --- | ---: | ---: |');
for (const { name, document, variables } of parsed) {
  const same = microseconds(document, () => variables(0), 0);
  const fresh = microseconds(document, variables, 1_000_000);
  console.log(`| ${name} | ${same.toFixed(1)} | ${fresh.toFixed(1)} |`);
}
