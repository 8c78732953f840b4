import { useAPQ } from '@graphql-yoga/plugin-apq';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import manifest from '../../trusted-documents.json' with { type: 'json' };
import { CAPACITY, type Limits } from '../config/limits.ts';
import { apiError } from '../domain/errors.ts';

/** The registered documents (`npm run codegen` writes them from test/client), by the SHA-256 of their text. */
export const REGISTERED_DOCUMENTS: ReadonlyMap<string, string> = new Map(Object.entries(manifest as Record<string, string>));

const SEND_AN_ID = 'send the id of a registered document in extensions.persistedQuery.sha256Hash, without the document';

/**
 * Persisted documents, sent as `extensions: { persistedQuery: { version: 1, sha256Hash } }` (Apollo
 * Client's and urql's format). With `only`, nothing but a registered document runs. Otherwise any
 * document runs, and Apollo's automatic persisted queries register more: each process keeps those
 * it was sent in memory, bounded, since a client whose id is not found sends the document again.
 */
export function trustedDocuments(mode: Limits['trustedDocuments']): Plugin[] {
  if (mode === 'only') {
    const refused = (message: string) => () => apiError('TRUSTED_DOCUMENT_REQUIRED', message);
    return [
      usePersistedOperations({
        getPersistedOperation: (id) => REGISTERED_DOCUMENTS.get(id) ?? null,
        customErrors: {
          persistedQueryOnly: refused(`This server runs only registered documents: ${SEND_AN_ID}`),
          keyNotFound: refused(`This server runs only registered documents: ${SEND_AN_ID}`),
          notFound: refused('No registered document has this id'),
        },
      }),
      onlyRegisteredDocuments(),
    ];
  }
  const registeredByClients = new LRUCache<string, string>({
    max: CAPACITY.apqDocuments,
    maxSize: CAPACITY.apqCharacters,
    sizeCalculation: (document) => Math.max(document.length, 1),
  });
  return [
    useAPQ({
      store: {
        get: (id) => REGISTERED_DOCUMENTS.get(id) ?? registeredByClients.get(id),
        set: (id, document) => {
          if (!REGISTERED_DOCUMENTS.has(id)) registeredByClients.set(id, document);
        },
      },
    }),
  ];
}

/**
 * Refuses in validation any document whose text is not a registered one: GraphQL over WebSocket
 * (src/http/websocket.ts) parses the document it is sent without the HTTP parameters' hooks.
 */
function onlyRegisteredDocuments(): Plugin {
  const texts = new Set(REGISTERED_DOCUMENTS.values());
  return {
    onValidate({ params, setResult }) {
      const text = params.documentAST.loc?.source.body;
      if (text === undefined || !texts.has(text)) {
        setResult([apiError('TRUSTED_DOCUMENT_REQUIRED', 'This server runs only registered documents, and this is none of them')]);
      }
    },
  };
}
