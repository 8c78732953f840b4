/**
 * Every limit a request is held to, in one place. The values let through what a frontend, GraphiQL
 * and a federation gateway really send (a page of 20 customers with every nested field, the
 * GraphiQL introspection query, `_entities` batches) and refuse what only an attacker sends.
 */
export interface Limits {
  /** Nesting of fields: customers.edges.node.invoices.edges.node.total.amount is 8. */
  maxDepth: number;
  /** Aliased fields in one operation (aliases multiply work without multiplying tokens). */
  maxAliases: number;
  /** Lexical tokens in one document. */
  maxTokens: number;
  /** Directives in one operation. */
  maxDirectives: number;
  /** Objects an operation may ask for, page sizes multiplied through (see src/http/cost.ts). */
  maxCost: number;
  /** Bytes of an HTTP request body. */
  maxBodyBytes: number;
  /** Longest an operation may execute before it is answered with EXECUTION_TIMEOUT. */
  executionTimeoutMs: number;
  /** Whether `__schema` and `__type` may be queried; INTROSPECTION=false turns it off. */
  introspection: boolean;
  /**
   * Longest a client may take to send a request's headers (from its first byte, or from the
   * connection's opening) before it is answered 408 and its connection closed: a client sending
   * them a byte at a time held a connection for Node's 60 s.
   */
  headersTimeoutMs: number;
  /**
   * Longest a client may take to send a whole request, headers and body (408 and closed): a body
   * shorter than its Content-Length held a connection for Node's 300 s. 30 s still lets the
   * largest body (maxBodyBytes) arrive at 3.4 KB/s.
   */
  requestTimeoutMs: number;
  /**
   * How long an idle kept-alive connection stays open between requests. Longer than the 60 s
   * idle timeout of the proxies the server sits behind (an AWS load balancer, nginx's
   * keepalive_timeout), so that the proxy closes an idle connection first: where the server
   * closes first (Node's 5 s), a request the proxy sends on it meanwhile fails, a 502.
   */
  keepAliveTimeoutMs: number;
  /**
   * Open connections one server process accepts; more are closed on arrival, unanswered, while
   * the open ones are served. Idle kept-alive connections count: a proxy reuses a few, but
   * clients reaching the server directly each keep theirs for keepAliveTimeoutMs.
   */
  maxConnections: number;
  /**
   * Operations a second one API key may run, with a burst of one second's worth; 0 turns the
   * limiter off. RATE_LIMIT_LIVE and RATE_LIMIT_TEST set them.
   */
  rateLimit: { LIVE: number; TEST: number };
  /**
   * `only` (TRUSTED_DOCUMENTS=only): a request runs only a registered document (trusted-documents.json,
   * written by `npm run codegen`), sent by its id; `any`: any document too, and Apollo's automatic
   * persisted queries.
   */
  trustedDocuments: 'any' | 'only';
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 20,
  maxCost: 20_000,
  maxBodyBytes: 100 * 1024,
  executionTimeoutMs: 10_000,
  introspection: true,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 1_000,
  // Stripe's: 100 operations a second in live mode, 25 in test mode.
  rateLimit: { LIVE: 100, TEST: 25 },
  trustedDocuments: 'any',
};

/** Items of a connection page: `first`/`last` default to 10 and may be at most 100; more is refused, not capped. */
export const PAGE_SIZE = { default: 10, max: 100 } as const;

/** Ids one `nodes(ids:)` call may ask for. */
export const MAX_NODE_IDS = 100;

/** Longest text each customer field takes, in characters (a longer one is TOO_LONG). */
export const TEXT_LIMITS = {
  externalId: 256,
  name: 256,
  email: 512,
  phone: 30,
  description: 1000,
  companyName: 256,
  taxId: 64,
  locale: 10,
  invoicePrefix: 12,
  fingerprint: 256,
  stripeId: 255,
  addressLine: 200,
  city: 200,
  state: 200,
  postalCode: 20,
  /** The merchant's keys: feature, plan and referral programme ids. */
  key: 64,
  planName: 256,
} as const;

/**
 * Live updates: subscriptions an API key may hold open in one server process, and on one WebSocket
 * connection; events waiting for a subscriber before it is dropped as too slow; events a resume
 * (`after`) may replay; how long a WebSocket may stay open without a subscription.
 */
export const LIVE_LIMITS = { perKey: 100, perConnection: 20, queuedEvents: 1_000, replay: 10_000, idleConnectionMs: 60_000 };

export type LiveLimits = typeof LIVE_LIMITS;

/** The billing verbs' numbers: units of a plan attached at once, trial days, plans per environment. */
export const BILLING_LIMITS = { quantity: 10_000, trialDays: 730, plans: 1_000, featuresPerPlan: 100 } as const;

/** Stripe's metadata rules: keys per object, and the length of a key and of a value. */
export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 } as const;

/** Items of a customer's list fields. */
export const LIST_LIMITS = { preferredLocales: 10, taxIds: 5 } as const;

/** Characters of an Idempotency-Key header. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/**
 * What one server process holds at most. `poolConnections` is its pool of PostgreSQL connections.
 * `cachedApiKeys`: keys in use at once by a process's merchants; beyond it the least recently used
 * key is looked up again (only keys that authenticated are kept, so random keys cannot fill it).
 * `preparedReadsPerConnection` and `preparedReadCharactersPerConnection`: compiled reads kept
 * prepared on one pooled connection, and their statements' characters in all (each holds its plan
 * in the server's memory, about 85 bytes a character: some 40 MB a connection); past either, those
 * used least recently are deallocated.
 * `plansPerDocument`: compiled statements of one document, by what its variables make of it (page
 * sizes, the shape of a filter, whether there is a cursor), before they are forgotten.
 * `apqDocuments` and `apqCharacters`: documents that Apollo's automatic persisted queries
 * registered, and their length in all, before the least recently used are forgotten (a client
 * sends one again when its id is not found).
 */
export const CAPACITY = {
  poolConnections: 10,
  cachedApiKeys: 10_000,
  preparedReadsPerConnection: 100,
  preparedReadCharactersPerConnection: 500_000,
  statementNames: 1_000,
  plansPerDocument: 100,
  apqDocuments: 1_000,
  apqCharacters: 4_000_000,
} as const;

/**
 * How many items a list without a page size is assumed to hold when costing a query:
 * subscriptions, balances, entities, rewards... are a handful per customer. With it, a page of
 * 100 customers with every nested field costs about 17,800, and 100 customers with 100 invoices,
 * charges and events each 60,501.
 */
export const ASSUMED_LIST_SIZE = 5;

export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  const introspection = env.INTROSPECTION?.trim().toLowerCase();
  if (introspection !== undefined && introspection !== '' && !['true', 'false'].includes(introspection)) {
    throw new Error(`INTROSPECTION must be true or false, got "${env.INTROSPECTION}"`);
  }
  const trustedDocuments = env.TRUSTED_DOCUMENTS?.trim().toLowerCase() || 'any';
  if (trustedDocuments !== 'any' && trustedDocuments !== 'only') {
    throw new Error(`TRUSTED_DOCUMENTS must be only or any, got "${env.TRUSTED_DOCUMENTS}"`);
  }
  return {
    ...DEFAULT_LIMITS,
    introspection: introspection !== 'false',
    trustedDocuments,
    rateLimit: {
      LIVE: operationsPerSecond(env, 'RATE_LIMIT_LIVE', DEFAULT_LIMITS.rateLimit.LIVE),
      TEST: operationsPerSecond(env, 'RATE_LIMIT_TEST', DEFAULT_LIMITS.rateLimit.TEST),
    },
  };
}

function operationsPerSecond(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value))
    throw new Error(`${name} must be a whole number of operations a second (0 turns the limit off), got "${env[name]}"`);
  return Number(value);
}
