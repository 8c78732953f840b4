// Writes the README's generated tables (errors, limits) from the code: see scripts/readme-tables.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { withGeneratedTables } from './readme-tables.ts';

const file = new URL('../README.md', import.meta.url);
writeFileSync(file, withGeneratedTables(readFileSync(file, 'utf8')));
console.log('Wrote the generated tables of README.md');
