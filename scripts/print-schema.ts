// Writes schema.graphql: the subgraph SDL exactly as `_service { sdl }` returns it.
import { writeFileSync } from 'node:fs';
import { subgraphSdl } from '../src/schema/sdl.ts';

const file = new URL('../schema.graphql', import.meta.url);
writeFileSync(file, subgraphSdl());
console.log('Wrote schema.graphql');
