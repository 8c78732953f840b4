import { markdownTable } from 'markdown-table';
import {
  BILLING_LIMITS,
  CAPACITY,
  DEFAULT_LIMITS,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  LIST_LIMITS,
  LIVE_LIMITS,
  MAX_NODE_IDS,
  METADATA_LIMITS,
  PAGE_SIZE,
  TEXT_LIMITS,
} from '../src/config/limits.ts';
import { ERROR_CATALOGUE, USER_ERROR_CATALOGUE } from '../src/domain/errors.ts';

/**
 * The README's tables that the code holds: the error catalogue (src/domain/errors.ts) and the
 * limits (src/config/limits.ts). `npm run docs` writes them between their markers; a test fails
 * when the README says otherwise.
 */
const number = (n: number) => n.toLocaleString('en-US');
const seconds = (ms: number) => `${number(ms / 1000)} s`;

function errorsTable(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(([code, { status, when }]) => [`\`${code}\``, String(status), when]);
  const userRows = Object.entries(USER_ERROR_CATALOGUE).map(([code, when]) => [`\`${code}\``, when]);
  return [
    'Top-level errors (`errors[].extensions.code`):',
    '',
    markdownTable([['code', 'HTTP status', 'when'], ...rows], { align: ['l', 'r', 'l'] }),
    '',
    'Mutation payloads (`userErrors[].code`, HTTP 200, nothing written):',
    '',
    markdownTable([['code', 'when'], ...userRows]),
  ].join('\n');
}

function limitsTable(): string {
  const l = DEFAULT_LIMITS;
  const rows: [string, string][] = [
    ['Page size (`first`/`last`)', `${PAGE_SIZE.default} by default, at most ${PAGE_SIZE.max}; more is \`BAD_USER_INPUT\``],
    ['Ids of one `nodes(ids:)`', number(MAX_NODE_IDS)],
    ['Depth of fields', number(l.maxDepth)],
    ['Aliases', number(l.maxAliases)],
    ['Tokens of a document', number(l.maxTokens)],
    ['Directives', number(l.maxDirectives)],
    ['Cost (objects an operation may load, page sizes multiplied)', number(l.maxCost)],
    ['Request body', `${number(l.maxBodyBytes / 1024)} KiB`],
    ['Execution time', seconds(l.executionTimeoutMs)],
    ['Time to send the headers / the whole request', `${seconds(l.headersTimeoutMs)} / ${seconds(l.requestTimeoutMs)}`],
    ['Idle kept-alive connection', seconds(l.keepAliveTimeoutMs)],
    ['Open connections per process', number(l.maxConnections)],
    ['Operations a second per API key (LIVE / TEST)', `${number(l.rateLimit.LIVE)} / ${number(l.rateLimit.TEST)}`],
    [
      'Metadata',
      `${METADATA_LIMITS.keys} keys, keys up to ${METADATA_LIMITS.keyLength} characters, values up to ${METADATA_LIMITS.valueLength}`,
    ],
    [
      'Text fields (characters)',
      Object.entries(TEXT_LIMITS)
        .map(([field, max]) => `${field} ${max}`)
        .join(', '),
    ],
    ['Lists', `preferredLocales ${LIST_LIMITS.preferredLocales}, taxIds ${LIST_LIMITS.taxIds}`],
    ['Idempotency-Key', `${IDEMPOTENCY_KEY_MAX_LENGTH} characters`],
    ['PostgreSQL connections per process', number(CAPACITY.poolConnections)],
    ['API keys cached per process', number(CAPACITY.cachedApiKeys)],
    [
      'Billing verbs',
      `quantity ${number(BILLING_LIMITS.quantity)}, trial ${number(BILLING_LIMITS.trialDays)} days, ${number(BILLING_LIMITS.plans)} plans per environment, ${number(BILLING_LIMITS.featuresPerPlan)} features per plan`,
    ],
    [
      'Subscriptions open per API key / per WebSocket (per process)',
      `${number(LIVE_LIMITS.perKey)} / ${number(LIVE_LIMITS.perConnection)}; more is \`TOO_MANY_SUBSCRIPTIONS\``,
    ],
    ['Events waiting for one subscriber', `${number(LIVE_LIMITS.queuedEvents)}; more drops it with \`SUBSCRIBER_TOO_SLOW\``],
    ['Events a resume (`after`) replays', number(LIVE_LIMITS.replay)],
    ['WebSocket without a subscription', `closed after ${seconds(LIVE_LIMITS.idleConnectionMs)} (close code 4000)`],
  ];
  return markdownTable([['limit', 'value'], ...rows]);
}

const SECTIONS = { errors: errorsTable, limits: limitsTable };

/** The README with each generated section (between `<!-- name:start -->` and `<!-- name:end -->`) written anew. */
export function withGeneratedTables(readme: string): string {
  let out = readme;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} section`);
    out = `${out.slice(0, from + start.length)}\n${render()}\n${out.slice(to)}`;
  }
  return out;
}
