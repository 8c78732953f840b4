/**
 * The hand-written baseline of scenarios B and C: one SQL statement that authenticates the key
 * and builds the whole response body, the same JSON the GraphQL server answers for
 * CUSTOMERS_PAGE and CUSTOMER_BY_ID. Node only passes the text through.
 * Parameters: $1 sha256 of the API key, $2 its environment, $3 page size or customer id.
 */
const iso = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const base64 = (text: string) => `translate(encode(convert_to(${text}, 'UTF8'), 'base64'), E'\\n', '')`;
/** A customer's cursor, as plugin-prisma writes it: base64 of "GPC:S:<id>". */
const customerCursor = (row: string) => base64(`'GPC:S:' || ${row}.id`);
/** The cursor of an invoice, charge or event: its customer, creation instant (milliseconds) and id. */
const childCursor = (row: string) =>
  base64(
    `'GPC:T:["S:' || ${row}."customerId" || '","D:' || (extract(epoch from ${row}."createdAt") * 1000)::bigint || '","S:' || ${row}.id || '"]'`,
  );

/** Minor-unit digits by currency, from the same ICU data that formats Money in the server. */
function currencyDigitsCase(currency: string): string {
  const byDigits = new Map<number, string[]>();
  for (const code of Intl.supportedValuesOf('currency')) {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    if (digits !== 2) byDigits.set(digits, [...(byDigits.get(digits) ?? []), `'${code}'`]);
  }
  const branches = [...byDigits].map(([digits, codes]) => `WHEN ${currency} IN (${codes.join(',')}) THEN ${digits}`);
  return `CASE ${branches.join(' ')} ELSE 2 END`;
}

const money = (amount: string, currency: string) =>
  `json_build_object('minorUnits', (${amount})::text, 'amount', round((${amount})::numeric / 10::numeric ^ (${currencyDigitsCase(currency)}), ${currencyDigitsCase(currency)})::text, 'currency', ${currency})`;

const jsonList = (element: string, from: string, order: string) =>
  `coalesce((SELECT json_agg(${element} ORDER BY ${order}) FROM ${from}), '[]')`;

const subscription = (s: string) => `json_build_object('id', ${s}.id, 'planId', ${s}."planId", 'status', ${s}.status,
  'addOn', ${s}."addOn", 'quantity', ${s}.quantity, 'entityId', ${s}."entityId", 'startedAt', ${iso(`${s}."startedAt"`)},
  'currentPeriodStart', ${iso(`${s}."currentPeriodStart"`)}, 'currentPeriodEnd', ${iso(`${s}."currentPeriodEnd"`)},
  'trialEndsAt', ${iso(`${s}."trialEndsAt"`)}, 'canceledAt', ${iso(`${s}."canceledAt"`)}, 'expiresAt', ${iso(`${s}."expiresAt"`)},
  'createdAt', ${iso(`${s}."createdAt"`)})`;

const purchase = (p: string) => `json_build_object('id', ${p}.id, 'planId', ${p}."planId", 'quantity', ${p}.quantity,
  'status', ${p}.status, 'entityId', ${p}."entityId", 'expiresAt', ${iso(`${p}."expiresAt"`)}, 'createdAt', ${iso(`${p}."createdAt"`)})`;

const balance = (b: string) => `json_build_object('id', ${b}.id, 'featureId', ${b}."featureId", 'granted', ${b}.granted::text,
  'usage', ${b}.usage::text, 'remaining', (${b}.granted - ${b}.usage)::text, 'unlimited', ${b}.unlimited,
  'overageAllowed', ${b}."overageAllowed", 'interval', ${b}.interval, 'nextResetAt', ${iso(`${b}."nextResetAt"`)},
  'entityId', ${b}."entityId", 'updatedAt', ${iso(`${b}."updatedAt"`)})`;

const reward = (r: string) => `json_build_object('id', ${r}.id, 'code', ${r}.code, 'type', ${r}.type, 'percentOff', ${r}."percentOff",
  'amountOff', CASE WHEN ${r}."amountOff" IS NOT NULL AND ${r}.currency IS NOT NULL THEN ${money(`${r}."amountOff"`, `${r}.currency`)} END,
  'planId', ${r}."planId", 'duration', ${r}.duration, 'durationInMonths', ${r}."durationInMonths",
  'expiresAt', ${iso(`${r}."expiresAt"`)}, 'createdAt', ${iso(`${r}."createdAt"`)})`;

const address = (json: string) => `CASE WHEN jsonb_typeof(${json}) = 'object' THEN json_build_object('line1', ${json}->>'line1',
  'line2', ${json}->>'line2', 'city', ${json}->>'city', 'state', ${json}->>'state', 'postalCode', ${json}->>'postalCode',
  'country', ${json}->>'country') END`;

const newestFirst = (row: string) => `${row}."createdAt" DESC, ${row}.id DESC`;
const byFeature = (row: string) => `${row}."featureId", ${row}.id`;

/** A customer's first page (10, the default) of invoices, charges or events, as a connection. */
function childConnection(table: string, node: (row: string) => string): string {
  const page = `(SELECT x.*, row_number() OVER (ORDER BY ${newestFirst('x')}) AS n, ${childCursor('x')} AS cursor
    FROM (SELECT * FROM "${table}" x WHERE x."customerId" = c.id ORDER BY ${newestFirst('x')} LIMIT 11) x) r`;
  return `(SELECT json_build_object(
      'totalCount', (SELECT count(*) FROM "${table}" t WHERE t."customerId" = c.id),
      'pageInfo', json_build_object('hasNextPage', count(*) > 10, 'hasPreviousPage', false,
        'startCursor', (array_agg(r.cursor ORDER BY r.n))[1], 'endCursor', (array_agg(r.cursor ORDER BY r.n))[least(count(*), 10)::int]),
      'edges', coalesce(json_agg(json_build_object('cursor', r.cursor, 'node', ${node('r')}) ORDER BY r.n) FILTER (WHERE r.n <= 10), '[]'))
    FROM ${page})`;
}

const CUSTOMER_SCALARS = `json_build_object(
  'id', c.id, 'externalId', ${'c."externalId"'}, 'name', ${'c.name'}, 'email', ${'c.email'},
  'phone', ${'c.phone'}, 'description', ${'c.description'}, 'companyName', ${'c."companyName"'},
  'taxId', ${'c."taxId"'}, 'address', ${address('c.address')},
  'shipping', ${`CASE WHEN jsonb_typeof(c.shipping) = 'object' THEN json_build_object('name', c.shipping->>'name',
    'phone', c.shipping->>'phone', 'address', ${address(`(c.shipping->'address')`)}) END`},
  'metadata', ${'c.metadata'},
  'metadataEntries', ${jsonList(`json_build_object('key', m.key, 'value', m.value)`, 'jsonb_each_text(c.metadata) m', 'm.key COLLATE "C"')},
  'env', c.env, 'livemode', c.env = 'LIVE', 'locale', c.locale, 'preferredLocales', coalesce(c."preferredLocales", '{}'),
  'currency', c.currency, 'accountBalance', CASE WHEN c.currency IS NOT NULL THEN ${money('c.balance', 'c.currency')} END,
  'accountBalanceMinorUnits', c.balance::text, 'delinquent', c.delinquent, 'invoicePrefix', ${'c."invoicePrefix"'},
  'nextInvoiceSequence', c."nextInvoiceSequence", 'taxExempt', c."taxExempt",
  'taxIds', ${jsonList(`json_build_object('type', t.value->>'type', 'value', t.value->>'value')`, 'jsonb_array_elements(c."taxIds") WITH ORDINALITY t', 't.ordinality')},
  'fingerprint', c.fingerprint, 'stripeId', c."stripeId", 'sendEmailReceipts', c."sendEmailReceipts",
  'createdAt', ${iso('c."createdAt"')}, 'updatedAt', ${iso('c."updatedAt"')}, 'deleted', c."deletedAt" IS NOT NULL,
  'deletedAt', ${iso('c."deletedAt"')}, 'version', c.version)`;

const entity = (e: string) => `json_build_object('id', ${e}.id, 'externalId', ${e}."externalId", 'name', ${e}.name,
  'featureId', ${e}."featureId", 'createdAt', ${iso(`${e}."createdAt"`)},
  'subscriptions', ${jsonList(subscription('s'), `"Subscription" s WHERE s."entityId" = ${e}.id`, newestFirst('s'))},
  'purchases', ${jsonList(purchase('p'), `"Purchase" p WHERE p."entityId" = ${e}.id`, newestFirst('p'))},
  'balances', ${jsonList(balance('b'), `"Balance" b WHERE b."entityId" = ${e}.id`, byFeature('b'))})`;

const referral = `json_build_object('id', r.id, 'programId', r."programId", 'code', r.code,
  'redeemedAt', ${iso('r."redeemedAt"')}, 'createdAt', ${iso('r."createdAt"')},
  'reward', (SELECT ${reward('w')} FROM "Reward" w JOIN "Customer" wc ON wc.id = w."customerId"
    WHERE w.id = r."rewardId" AND wc."accountId" = c."accountId" AND wc.env = c.env),
  'referredCustomer', (SELECT json_build_object('id', rc.id, 'name', rc.name, 'email', rc.email)
    FROM "Customer" rc WHERE rc.id = r."referredCustomerId" AND rc."accountId" = c."accountId" AND rc.env = c.env))`;

const paymentMethod = `(SELECT json_build_object('id', pm.id, 'type', pm.type,
    'card', CASE WHEN pm.type = 'CARD' THEN json_build_object('brand', coalesce(pm."cardBrand", 'unknown'),
      'last4', coalesce(pm."cardLast4", ''), 'expMonth', coalesce(pm."cardExpMonth", 0), 'expYear', coalesce(pm."cardExpYear", 0)) END,
    'isDefault', pm."isDefault", 'createdAt', ${iso('pm."createdAt"')})
  FROM "PaymentMethod" pm WHERE pm."customerId" = c.id AND pm."isDefault" ORDER BY ${newestFirst('pm')} LIMIT 1)`;

/** Counts and spend per currency; totalSpent is in the customer's currency, or the only one charged. */
const stats = `(SELECT json_build_object('invoiceCount', (SELECT count(*) FROM "Invoice" i WHERE i."customerId" = c.id),
    'chargeCount', (SELECT count(*) FROM "Charge" ch WHERE ch."customerId" = c.id),
    'totalSpent', CASE WHEN spend.currency IS NOT NULL THEN ${money('coalesce(spend.totals[array_position(spend.currencies, spend.currency)], 0)', 'spend.currency')} END,
    'totalSpentByCurrency', coalesce((SELECT json_agg(${money('t.total', 't.currency')} ORDER BY t.currency)
      FROM unnest(spend.currencies, spend.totals) AS t(currency, total)), '[]'))
  FROM (SELECT s.currencies, s.totals,
      coalesce(c.currency, CASE WHEN cardinality(s.currencies) = 1 THEN s.currencies[1] END) AS currency
    FROM (SELECT array_agg(g.currency ORDER BY g.currency) AS currencies, array_agg(g.total ORDER BY g.currency) AS totals
      FROM (SELECT ch.currency, sum(ch.amount) AS total FROM "Charge" ch
        WHERE ch."customerId" = c.id AND ch.status = 'SUCCEEDED' GROUP BY ch.currency) g) s) spend)`;

const invoiceNode = (r: string) => `json_build_object('id', ${r}.id, 'number', ${r}.number, 'status', ${r}.status,
  'total', ${money(`${r}.total`, `${r}.currency`)}, 'currency', ${r}.currency, 'planIds', coalesce(${r}."planIds", '{}'),
  'hostedUrl', ${r}."hostedUrl", 'createdAt', ${iso(`${r}."createdAt"`)})`;
const chargeNode = (r: string) => `json_build_object('id', ${r}.id, 'amount', ${money(`${r}.amount`, `${r}.currency`)},
  'currency', ${r}.currency, 'status', ${r}.status, 'invoiceId', ${r}."invoiceId", 'createdAt', ${iso(`${r}."createdAt"`)})`;
const eventNode = (r: string) => `json_build_object('id', ${r}.id, 'type', ${r}.type, 'customerId', ${r}."customerId",
  'data', ${r}.data, 'createdAt', ${iso(`${r}."createdAt"`)})`;

const CUSTOMER_RELATIONS = `json_build_object(
  'subscriptions', ${jsonList(subscription('s'), '"Subscription" s WHERE s."customerId" = c.id AND s."entityId" IS NULL', newestFirst('s'))},
  'purchases', ${jsonList(purchase('p'), '"Purchase" p WHERE p."customerId" = c.id AND p."entityId" IS NULL', newestFirst('p'))},
  'balances', ${jsonList(balance('b'), '"Balance" b WHERE b."customerId" = c.id AND b."entityId" IS NULL', byFeature('b'))},
  'balance', ${`(SELECT ${balance('b')} FROM "Balance" b WHERE b."customerId" = c.id AND b."entityId" IS NULL AND b."featureId" = 'api_calls' ORDER BY b."createdAt", b.id LIMIT 1)`},
  'entities', ${jsonList(entity('e'), '"Entity" e WHERE e."customerId" = c.id', newestFirst('e'))},
  'trialsUsed', ${jsonList(`json_build_object('id', t.id, 'planId', t."planId", 'fingerprint', t.fingerprint, 'createdAt', ${iso('t."createdAt"')})`, '"TrialUsed" t WHERE t."customerId" = c.id', newestFirst('t'))},
  'rewards', ${jsonList(reward('w'), '"Reward" w WHERE w."customerId" = c.id', newestFirst('w'))},
  'referrals', ${jsonList(referral, '"Referral" r WHERE r."customerId" = c.id', newestFirst('r'))},
  'paymentMethod', ${paymentMethod},
  'stats', ${stats},
  'invoices', ${childConnection('Invoice', invoiceNode)},
  'charges', ${childConnection('Charge', chargeNode)},
  'events', ${childConnection('Event', eventNode)})`;

/** json_build_object takes at most 100 arguments, so the customer is two objects spliced as text. */
const CUSTOMER_JSON = `(left(${CUSTOMER_SCALARS}::text, -1) || ',' || substr(${CUSTOMER_RELATIONS}::text, 2))`;

const CALLER = `caller AS (SELECT "accountId", env FROM "ApiKey" WHERE hash = $1 AND env = $2::"Environment" AND "revokedAt" IS NULL)`;

export const CUSTOMERS_PAGE_SQL = `WITH ${CALLER},
page AS (
  SELECT c.*, row_number() OVER (ORDER BY ${newestFirst('c')}) AS n FROM (
    SELECT c.* FROM "Customer" c
    WHERE c."accountId" = (SELECT "accountId" FROM caller) AND c.env = (SELECT env FROM caller) AND c."deletedAt" IS NULL
    ORDER BY ${newestFirst('c')} LIMIT $3::int + 1) c)
SELECT EXISTS (SELECT 1 FROM caller) AS authenticated, (
  SELECT '{"data":{"customers":{"pageInfo":' || json_build_object('hasNextPage', count(*) > $3::int, 'hasPreviousPage', false,
      'startCursor', (array_agg(${customerCursor('c')} ORDER BY c.n))[1],
      'endCursor', (array_agg(${customerCursor('c')} ORDER BY c.n))[least(count(*), $3::int)::int])::text
    || ',"edges":[' || coalesce(string_agg('{"cursor":"' || ${customerCursor('c')} || '","node":' || ${CUSTOMER_JSON} || '}', ',' ORDER BY c.n)
      FILTER (WHERE c.n <= $3::int), '') || ']}}}'
  FROM page c) AS body`;

export const CUSTOMER_BY_ID_SQL = `WITH ${CALLER}
SELECT EXISTS (SELECT 1 FROM caller) AS authenticated,
  '{"data":{"customer":' || coalesce((SELECT ${CUSTOMER_JSON} FROM "Customer" c JOIN caller ON c."accountId" = caller."accountId"
    AND c.env = caller.env WHERE c.id = $3), 'null') || '}}' AS body`;
