import { GraphQLError } from 'graphql';

/**
 * The error catalogue: every code a client can meet, what it means, and the HTTP status it comes
 * with. The README's table of codes is generated from it (`npm run docs`).
 *
 * Top-level errors are in the response's `errors`, with `extensions.code`. A request refused
 * before it runs gets the status given here; an error raised while a field resolves (a wrong
 * argument) leaves the rest of the answer standing, so that response is a 200 with the field
 * null, as GraphQL over HTTP has it.
 */
export const ERROR_CATALOGUE = {
  UNAUTHENTICATED: { status: 401, when: 'The Authorization header holds no API key, or one that is unknown or revoked.' },
  RATE_LIMITED: { status: 429, when: 'The API key ran more operations this second than its limit; retry after Retry-After seconds.' },
  BAD_REQUEST: {
    status: 400,
    when: 'The HTTP request itself is malformed: not UTF-8, a bad Content-Length or Host, bad GraphQL parameters.',
  },
  REQUEST_ENTITY_TOO_LARGE: { status: 413, when: 'The body is larger than the body limit.' },
  GRAPHQL_PARSE_FAILED: { status: 400, when: 'The document is not valid GraphQL syntax.' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, when: 'The document does not fit the schema (unknown field, wrong argument type...).' },
  BAD_USER_INPUT: {
    status: 400,
    when: 'A variable or argument breaks a rule (page size, cursor, filter, header); names the argument. Inside a field: 200, the field null.',
  },
  MAX_TOKENS_EXCEEDED: { status: 400, when: 'The document has more lexical tokens than allowed.' },
  MAX_DEPTH_EXCEEDED: { status: 400, when: 'Fields are nested deeper than allowed.' },
  MAX_ALIASES_EXCEEDED: { status: 400, when: 'The operation uses more aliases than allowed.' },
  MAX_DIRECTIVES_EXCEEDED: { status: 400, when: 'The operation uses more directives than allowed.' },
  COST_LIMIT_EXCEEDED: { status: 400, when: 'The operation could load more objects than allowed (page sizes multiply).' },
  INTROSPECTION_DISABLED: { status: 400, when: '__schema or __type was asked for while INTROSPECTION=false.' },
  TRUSTED_DOCUMENT_REQUIRED: {
    status: 400,
    when: 'TRUSTED_DOCUMENTS=only and the request sent a document, or an id no registered document has: send the id of a registered one.',
  },
  PERSISTED_QUERY_NOT_FOUND: {
    status: 404,
    when: 'An automatic persisted query id this process does not know (yet): send it again with its document (Apollo Client and urql do).',
  },
  PERSISTED_QUERY_MISMATCH: { status: 400, when: "An automatic persisted query's document does not have the SHA-256 sent as its id." },
  NOT_ACCEPTABLE: {
    status: 406,
    when: 'No answer fits the Accept header, e.g. a subscription asking for JSON: ask for text/event-stream (SSE), or subscribe over WebSocket (graphql-ws).',
  },
  TOO_MANY_SUBSCRIPTIONS: { status: 429, when: 'The API key (or the WebSocket connection) holds as many subscriptions open as allowed.' },
  SUBSCRIBER_TOO_SLOW: {
    status: 400,
    when: 'A subscriber fell so far behind that events piled up: its subscription ended; subscribe again with `after` the last event id received.',
  },
  EXECUTION_TIMEOUT: { status: 400, when: 'The operation ran longer than the execution timeout and was stopped.' },
  SERVICE_UNAVAILABLE: { status: 503, when: 'The database cannot be reached; retry after Retry-After seconds.' },
  INTERNAL_SERVER_ERROR: { status: 500, when: 'Anything unexpected; the message is masked and the log has the request id.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * A top-level error of the catalogue, with its status. Its status applies whatever the Accept
 * header (`spec: false` keeps Yoga from answering 200 to an application/json client), unless
 * `spec` leaves the choice to GraphQL over HTTP, as for variables that do not fit their types.
 */
export function apiError(
  code: ErrorCode,
  message: string,
  options: { headers?: Record<string, string>; extensions?: Record<string, unknown>; spec?: boolean } = {},
): GraphQLError {
  const { status } = ERROR_CATALOGUE[code];
  const http = { status, ...(options.spec ? {} : { spec: false }), ...(options.headers ? { headers: options.headers } : {}) };
  return new GraphQLError(message, { extensions: { ...options.extensions, code, http } });
}

/** A wrong argument of a field: reported on that field, naming the argument. */
export function badArgument(argument: string, message: string): GraphQLError {
  return new GraphQLError(`Argument "${argument}": ${message}`, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

/**
 * The codes of `userErrors` in mutation payloads: expected refusals of an input, returned with
 * the payload (HTTP 200) and nothing written.
 */
export const USER_ERROR_CATALOGUE = {
  INVALID: "A value breaks its field's rule (format, range, allowed values); the message names the rule.",
  TOO_LONG: 'A text is longer than its field allows.',
  TOO_LARGE: 'A number is beyond what its field holds (e.g. a 64-bit minor-unit amount).',
  REQUIRED: 'A field that must be given is missing or null.',
  NOT_FOUND: "No object of the caller's account and environment has this id.",
  EMAIL_TAKEN: 'Another live customer of the account and environment has this email (compared regardless of case).',
  EXTERNAL_ID_TAKEN: 'Another customer of the account and environment has this externalId.',
  INVOICE_PREFIX_TAKEN: 'Another customer of the account has this invoicePrefix.',
  VERSION_CONFLICT: "expectedVersion is not the object's current version: read it again and retry.",
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was used in the last 24 hours with another operation or input.',
  CURRENCY_LOCKED: 'currency cannot change once the customer has an invoice, a charge or a non-zero account balance.',
  PLAN_ID_TAKEN: 'The account and environment already have a plan with this id (archived plans included).',
  PLAN_ARCHIVED: 'The plan is archived: it stays on the subscriptions that have it but cannot be attached.',
  ALREADY_ATTACHED: 'The plan is already active on this customer (or entity).',
  TRIAL_ALREADY_USED: 'The customer already had a trial of this plan.',
  ALREADY_CANCELED: 'The subscription is already canceled, or already set to end at its period end.',
  NO_BALANCE: 'The customer (or entity) has no balance of this feature.',
  INSUFFICIENT_BALANCE: 'What is left of the balance is less than asked for, and the balance allows no overage; nothing was deducted.',
  SELF_REFERRAL: 'A customer cannot redeem its own referral code.',
  ALREADY_REDEEMED: 'The customer already redeemed a code of this referral programme.',
} as const;

export type UserErrorCode = keyof typeof USER_ERROR_CATALOGUE;

export const USER_ERROR_CODES = Object.keys(USER_ERROR_CATALOGUE) as UserErrorCode[];

/** An expected failure, returned in a payload's userErrors rather than thrown. */
export interface UserError {
  /** Path to the input field at fault, e.g. ["input", "address", "country"]. */
  field: string[];
  message: string;
  code: UserErrorCode;
}

export function userError(field: string[], code: UserErrorCode, message: string): UserError {
  return { field, code, message };
}

/** Thrown inside a service to abort (and roll back) with userErrors. */
export class UserErrors extends Error {
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}
