import { createAccount } from '../../src/auth/accounts.ts';
import type { QueryListener } from '../../src/data/database.ts';
import { type App, type AppOptions, createApp } from '../../src/http/app.ts';
import { observeStatement } from '../../src/http/request-observation.ts';
import { createTestDatabase } from '../helpers.ts';

/**
 * An app on a fresh test database wired as src/main.ts wires it: the database reports its
 * statements to the request observation. `statements` holds every statement's text, for tests
 * that count them independently.
 */
export async function createObservedApp(options: Partial<AppOptions> = {}) {
  const statements: string[] = [];
  const onQuery: QueryListener = (event) => {
    statements.push(event.query);
    observeStatement(event);
  };
  const testDb = await createTestDatabase({ onQuery });
  const app = createApp({ ...options, db: testDb.db });
  const merchant = await createAccount(testDb.db.prisma, 'Merchant A');

  /** POSTs an operation to the app (or `to`) with the merchant's TEST key (or `key`), as a server-side client does. */
  const post = (
    query: string,
    variables?: Record<string, unknown>,
    { key = merchant.testKey as string | null, headers = {} as Record<string, string>, to = app as App } = {},
  ) =>
    to.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });

  /** Another app on the same database, with options of its own. */
  const another = (more: Partial<AppOptions>) => createApp({ ...more, db: testDb.db });

  return { ...testDb, app, merchant, statements, post, another, close: () => testDb.drop() };
}

export type ObservedApp = Awaited<ReturnType<typeof createObservedApp>>;
