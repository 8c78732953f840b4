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
  /** Objects an operation may ask for, page sizes multiplied through (see src/cost.ts). */
  maxCost: number;
  /** Bytes of an HTTP request body. */
  maxBodyBytes: number;
  /** Longest an operation may execute before it is answered with EXECUTION_TIMEOUT. */
  executionTimeoutMs: number;
  /** Whether `__schema` and `__type` may be queried; INTROSPECTION=false turns it off. */
  introspection: boolean;
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
};

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
  return { ...DEFAULT_LIMITS, introspection: introspection !== 'false' };
}
