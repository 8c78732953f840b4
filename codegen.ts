import { readFileSync, writeFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the client test, from the committed subgraph schema: what a frontend
// team would run against schema.graphql (or against a running server's endpoint).
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/client/*.graphql'],
  generates: {
    'test/client/generated/': {
      preset: 'client',
      // Ids are the documents' SHA-256, as Apollo's and urql's persisted queries send them.
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
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
  hooks: {
    // The registered documents the server loads (TRUSTED_DOCUMENTS), committed: generated/ is not.
    afterAllFileWrite: () =>
      writeFileSync('trusted-documents.json', `${readFileSync('test/client/generated/persisted-documents.json', 'utf8').trimEnd()}\n`),
  },
};

export default config;
