import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the client test, from the committed subgraph schema: what a frontend
// team would run against schema.graphql (or against a running server's endpoint).
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/client/*.graphql'],
  generates: {
    'test/client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: {
          BigInt: { input: 'string | number', output: 'string' },
          DateTime: { input: 'string', output: 'string' },
          JSON: 'unknown',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
};

export default config;
