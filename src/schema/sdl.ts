import { printSubgraphSchema } from '@apollo/subgraph';
import { schema } from './index.ts';

/** The subgraph SDL, sorted, as committed in schema.graphql and served by `_service { sdl }`. */
export function subgraphSdl(): string {
  return `${printSubgraphSchema(schema).trimEnd()}\n`;
}
