// Composes subgraphs into a supergraph SDL with @apollo/composition, for a gateway to load.
//
//   npm run supergraph -- <name>=<schema file>@<routing url> | <name>=<subgraph url> ...
//                         [--header "Authorization: Bearer sk_test_…"] [--out supergraph.graphql]
//
// A URL source is asked for its SDL with `{ _service { sdl } }` (sending the --header lines) and
// is also where the gateway will route; a file source needs the routing URL after `@`.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

interface Source {
  name: string;
  location: string;
  url: string;
}

const USAGE =
  'usage: npm run supergraph -- <name>=<schema file>@<routing url> | <name>=<subgraph url> ... [--header "Name: value"] [--out file]';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function parseSource(argument: string): Source {
  const match = /^([A-Za-z_][\w-]*)=(.+)$/.exec(argument);
  if (!match) fail(`"${argument}" is not <name>=<source>\n${USAGE}`);
  const [, name, source] = match;
  if (/^https?:\/\//.test(source)) return { name, location: source, url: source };
  const at = source.lastIndexOf('@');
  if (at < 0) fail(`${name}: give the URL the gateway routes to after the file, as ${name}=${source}@http://host:port/graphql`);
  return { name, location: source.slice(0, at), url: source.slice(at + 1) };
}

function parseHeaders(lines: string[]): Record<string, string> {
  return Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      if (colon < 1) fail(`--header "${line}" is not "Name: value"`);
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    }),
  );
}

async function fetchSdl(url: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = (await response.json().catch(() => ({}))) as { data?: { _service?: { sdl?: string } }; errors?: { message: string }[] };
  const sdl = body.data?._service?.sdl;
  if (!sdl) fail(`${url} gave no SDL (HTTP ${response.status}): ${body.errors?.map((e) => e.message).join('; ') ?? 'no GraphQL response'}`);
  return sdl;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { header: { type: 'string', multiple: true, default: [] }, out: { type: 'string' } },
});
if (positionals.length === 0) fail(USAGE);
const headers = parseHeaders(values.header ?? []);

const services = await Promise.all(
  positionals.map(parseSource).map(async ({ name, location, url }) => {
    const sdl = location === url ? await fetchSdl(url, headers) : readFileSync(location, 'utf8');
    return { name, url, typeDefs: parse(sdl) };
  }),
);

const result = composeServices(services);
if (result.errors) fail(`Composition failed:\n${result.errors.map((error) => `- ${error.message}`).join('\n')}`);

if (values.out) {
  writeFileSync(values.out, `${result.supergraphSdl}\n`);
  console.error(`Wrote the supergraph of ${services.map((s) => s.name).join(', ')} to ${values.out}`);
} else {
  process.stdout.write(`${result.supergraphSdl}\n`);
}
