/**
 * SQL that generates bench customers i in [$1, $2) inside PostgreSQL, so no row crosses the
 * wire. Every value derives from a hash of (i, salt): a customer always gets the same data, and
 * ids are stable, so later rows (a referral to customer i - 1 of the same batch) can name earlier ones.
 * Each statement runs in the batch's transaction, after `PLAN`.
 */

/** Session helpers, created once per connection in pg_temp. */
export const HELPERS = `
CREATE FUNCTION pg_temp.rnd(salt int, i bigint) RETURNS int IMMUTABLE LANGUAGE sql AS
  $$ SELECT hashint8(i * 4096 + salt) & 2147483647 $$;
CREATE FUNCTION pg_temp.bench_id(prefix text, n bigint) RETURNS text IMMUTABLE LANGUAGE sql AS
  $$ SELECT prefix || '_' || translate(left(encode(decode(md5(prefix || n::text), 'hex'), 'base64'), 22), '+/', 'xZ') $$;
`;

const PLACES = `(VALUES
  (0, 'San Francisco', 'CA', '94107', 'US', 'USD', 'en-US', 'Market St'),
  (1, 'New York', 'NY', '10001', 'US', 'USD', 'en-US', 'Main St'),
  (2, 'Berlin', NULL, '10115', 'DE', 'EUR', 'de-DE', 'Friedrichstraße'),
  (3, 'Amsterdam', NULL, '1012 JS', 'NL', 'EUR', 'nl-NL', 'Keizersgracht'),
  (4, 'London', NULL, 'EC1A 1BB', 'GB', 'GBP', 'en-GB', 'High St'),
  (5, 'Paris', NULL, '75001', 'FR', 'EUR', 'fr-FR', 'Rue de Rivoli'),
  (6, 'Tokyo', 'Tokyo', '100-0001', 'JP', 'JPY', 'ja-JP', 'Chuo-dori')
) AS place(n, city, state, postal_code, country, currency, locale, street)`;

/** Per customer: id, creation time, place and how many rows of each kind hang off it. */
export const PLAN = `
CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
SELECT i, pg_temp.bench_id('cus', i) AS id, $1::bigint AS batch_start, $3::text AS account_id,
  timestamp '2021-01-01' + i * interval '90 seconds' + pg_temp.rnd(1, i) % 60000 * interval '1 millisecond' AS created,
  place.city, place.state, place.postal_code, place.country, place.currency, place.locale, place.street,
  pg_temp.rnd(10, i) % 5 AS entities,
  1 + pg_temp.rnd(11, i) % 9 AS subscriptions,
  pg_temp.rnd(12, i) % 3 AS purchases,
  1 + pg_temp.rnd(13, i) % 9 AS balances,
  pg_temp.rnd(14, i) % 21 AS invoices,
  pg_temp.rnd(15, i) % 21 AS charges,
  pg_temp.rnd(16, i) % 9 AS feature_offset,
  pg_temp.rnd(17, i) % 2 = 0 AS rewarded
FROM generate_series($1::bigint, $2::bigint - 1) AS i
JOIN ${PLACES} ON place.n = pg_temp.rnd(2, i) % 7`;

const FIRST_NAMES = `ARRAY['Ada','Grace','Alan','Linus','Margaret','Ken','Barbara','Dennis','Frances','Edsger','Radia','Tim','Katherine','Donald','Hedy','Guido','Anita','Bjarne','Sophie','John']`;
const LAST_NAMES = `ARRAY['Lovelace','Hopper','Turing','Torvalds','Hamilton','Thompson','Liskov','Ritchie','Allen','Dijkstra','Perlman','Berners-Lee','Johnson','Knuth','Lamarr','van Rossum','Borg','Stroustrup','Wilson','Backus']`;
const COMPANIES = `ARRAY['Acme Corp','Globex','Initech','Umbrella Labs','Hooli','Stark Industries','Wayne Enterprises','Soylent','Tyrell','Cyberdyne',NULL,NULL]`;
const PLANS = `ARRAY['free','starter','pro','team','enterprise']`;
const FEATURES = `ARRAY['api_calls','seats','storage_gb','ai_credits','emails','sms','webhooks','exports','projects']`;

const CUSTOMERS = `
INSERT INTO "Customer" (id, "accountId", env, "externalId", name, email, phone, description, "companyName", "taxId",
  address, shipping, metadata, locale, "preferredLocales", currency, balance, delinquent, "invoicePrefix",
  "nextInvoiceSequence", "taxExempt", "taxIds", fingerprint, "sendEmailReceipts", "createdAt", "updatedAt")
SELECT p.id, p.account_id, 'TEST', 'user_' || p.i, n.first || ' ' || n.last,
  lower(n.first || '.' || replace(n.last, ' ', '') || '.' || p.i || '@example.com'),
  CASE WHEN pg_temp.rnd(20, p.i) % 10 < 7 THEN '+1 555 ' || (1000000 + pg_temp.rnd(21, p.i) % 9000000) END,
  CASE WHEN pg_temp.rnd(22, p.i) % 10 < 3 THEN 'Came from the spring campaign' END,
  n.company,
  CASE WHEN n.company IS NOT NULL AND p.country <> 'US' THEN p.country || (100000000 + pg_temp.rnd(23, p.i) % 900000000) END,
  a.address,
  CASE WHEN pg_temp.rnd(24, p.i) % 10 < 4 THEN jsonb_build_object('name', n.first || ' ' || n.last, 'phone', NULL, 'address', a.address) END,
  jsonb_build_object('plan_source', (ARRAY['web','sales','partner'])[1 + pg_temp.rnd(25, p.i) % 3])
    || CASE WHEN pg_temp.rnd(26, p.i) % 2 = 0 THEN jsonb_build_object('crm_id', 'crm_' || (10000 + pg_temp.rnd(27, p.i) % 90000)) ELSE '{}' END,
  p.locale, ARRAY[p.locale], p.currency,
  CASE WHEN pg_temp.rnd(28, p.i) % 5 = 0 THEN -(100 + pg_temp.rnd(29, p.i) % 4900) ELSE 0 END,
  pg_temp.rnd(30, p.i) % 10 = 0,
  'B' || lpad(p.i::text, 7, '0'),
  p.invoices + 1,
  (ARRAY['NONE','NONE','NONE','EXEMPT','REVERSE']::"TaxExempt"[])[1 + pg_temp.rnd(31, p.i) % 5],
  CASE WHEN n.company IS NOT NULL AND p.country <> 'US'
    THEN jsonb_build_array(jsonb_build_object('type', 'eu_vat', 'value', p.country || (100000000 + pg_temp.rnd(32, p.i) % 900000000)))
    ELSE '[]' END,
  CASE WHEN pg_temp.rnd(33, p.i) % 2 = 0 THEN 'fp_' || (100000 + pg_temp.rnd(34, p.i) % 900000) END,
  pg_temp.rnd(35, p.i) % 2 = 0,
  p.created, p.created
FROM bench_plan p
CROSS JOIN LATERAL (SELECT
  (${FIRST_NAMES})[1 + pg_temp.rnd(3, p.i) % 20] AS first,
  (${LAST_NAMES})[1 + pg_temp.rnd(4, p.i) % 20] AS last,
  (${COMPANIES})[1 + pg_temp.rnd(5, p.i) % 12] AS company) n
CROSS JOIN LATERAL (SELECT jsonb_build_object(
  'line1', (1 + pg_temp.rnd(6, p.i) % 999) || ' ' || p.street,
  'line2', CASE WHEN pg_temp.rnd(7, p.i) % 10 < 3 THEN 'Suite ' || (100 + pg_temp.rnd(8, p.i) % 900) END,
  'city', p.city, 'state', p.state, 'postalCode', p.postal_code, 'country', p.country) AS address) a`;

const EVENTS = `
INSERT INTO "Event" (id, "accountId", env, "customerId", type, "createdAt")
SELECT pg_temp.bench_id('evt', p.i), p.account_id, 'TEST', p.id, 'CUSTOMER_CREATED', p.created FROM bench_plan p`;

const ENTITIES = `
INSERT INTO "Entity" (id, "customerId", "externalId", name, "featureId", "createdAt")
SELECT pg_temp.bench_id('ent', p.i * 100 + k), p.id, 'workspace_' || k,
  (ARRAY['Marketing','Engineering','Sales','Design'])[1 + pg_temp.rnd(100 + k, p.i) % 4] || ' workspace',
  'seats', p.created + k * interval '1 day'
FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.entities) k`;

const SUBSCRIPTIONS = `
INSERT INTO "Subscription" (id, "customerId", "entityId", "planId", status, "addOn", quantity, "startedAt",
  "currentPeriodStart", "currentPeriodEnd", "trialEndsAt", "canceledAt", "expiresAt", "createdAt")
SELECT pg_temp.bench_id('sub', p.i * 100 + k), p.id,
  CASE WHEN k > 1 AND p.entities > 0 AND pg_temp.rnd(200 + k, p.i) % 2 = 0 THEN pg_temp.bench_id('ent', p.i * 100 + 1 + k % p.entities) END,
  CASE WHEN k = 1 THEN (${PLANS})[1 + pg_temp.rnd(300 + k, p.i) % 5]
    ELSE (ARRAY['extra_seats','priority_support','ai_pack'])[1 + pg_temp.rnd(300 + k, p.i) % 3] END,
  s.status, k > 1, CASE WHEN k = 1 THEN 1 ELSE 1 + pg_temp.rnd(400 + k, p.i) % 10 END,
  s.started, now() - interval '10 days', now() + interval '20 days',
  CASE WHEN pg_temp.rnd(500 + k, p.i) % 5 = 0 THEN s.started + interval '14 days' END,
  CASE WHEN s.status = 'CANCELED' THEN s.started + interval '30 days' END,
  CASE WHEN s.status IN ('CANCELED', 'EXPIRED') THEN s.started + interval '60 days' END,
  s.started
FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.subscriptions) k
CROSS JOIN LATERAL (SELECT
  (ARRAY['ACTIVE','ACTIVE','ACTIVE','SCHEDULED','PAST_DUE','CANCELED','EXPIRED']::"SubscriptionStatus"[])[1 + pg_temp.rnd(600 + k, p.i) % 7] AS status,
  p.created + (k - 1) * interval '7 days' AS started) s`;

const PURCHASES = `
INSERT INTO "Purchase" (id, "customerId", "entityId", "planId", quantity, status, "expiresAt", "createdAt")
SELECT pg_temp.bench_id('pur', p.i * 100 + k), p.id,
  CASE WHEN p.entities > 0 AND pg_temp.rnd(700 + k, p.i) % 10 < 3 THEN pg_temp.bench_id('ent', p.i * 100 + 1) END,
  (ARRAY['credits_1000','lifetime_pro','onboarding'])[1 + pg_temp.rnd(710 + k, p.i) % 3],
  1 + pg_temp.rnd(720 + k, p.i) % 3,
  (ARRAY['ACTIVE','ACTIVE','EXPIRED','REFUNDED']::"PurchaseStatus"[])[1 + pg_temp.rnd(730 + k, p.i) % 4],
  CASE WHEN pg_temp.rnd(740 + k, p.i) % 2 = 0 THEN now() + (1 + pg_temp.rnd(750 + k, p.i) % 300) * interval '1 day' END,
  p.created + (k * 11 + 2) * interval '1 day'
FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.purchases) k`;

const BALANCES = `
INSERT INTO "Balance" (id, "customerId", "entityId", "featureId", granted, usage, unlimited, "overageAllowed",
  interval, "nextResetAt", "createdAt", "updatedAt")
SELECT pg_temp.bench_id('bal', p.i * 100 + k), p.id, NULL, b.feature, b.granted,
  b.granted * (pg_temp.rnd(810 + k, p.i) % 1200) / 1000,
  b.feature = 'emails' AND pg_temp.rnd(820 + k, p.i) % 10 < 3,
  pg_temp.rnd(830 + k, p.i) % 10 < 4,
  b.reset, CASE WHEN b.reset <> 'ONE_OFF' THEN now() + (1 + pg_temp.rnd(840 + k, p.i) % 30) * interval '1 day' END,
  p.created, p.created + interval '1 day'
FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.balances) k
CROSS JOIN LATERAL (SELECT
  (${FEATURES})[1 + (p.feature_offset + k) % 9] AS feature,
  (ARRAY[100, 1000, 10000, 50000])[1 + pg_temp.rnd(800 + k, p.i) % 4]::bigint AS granted,
  (ARRAY['MONTH','MONTH','DAY','YEAR','ONE_OFF']::"ResetInterval"[])[1 + pg_temp.rnd(850 + k, p.i) % 5] AS reset) b
UNION ALL
SELECT pg_temp.bench_id('bal', p.i * 100 + 50 + k), p.id, pg_temp.bench_id('ent', p.i * 100 + k), 'ai_credits', 500,
  pg_temp.rnd(860 + k, p.i) % 600, false, false, 'MONTH', now() + interval '12 days', p.created, p.created + interval '2 days'
FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.entities) k`;

const INVOICES = `
INSERT INTO "Invoice" (id, "customerId", number, status, total, currency, "planIds", "hostedUrl", "createdAt")
SELECT v.id, p.id, 'B' || lpad(p.i::text, 7, '0') || '-' || lpad(k::text, 4, '0'),
  (ARRAY['PAID','PAID','PAID','OPEN','DRAFT','VOID','UNCOLLECTIBLE']::"InvoiceStatus"[])[1 + pg_temp.rnd(900 + k, p.i) % 7],
  (ARRAY[0, 900, 2900, 4900, 9900, 29900])[1 + pg_temp.rnd(930 + k, p.i) % 6],
  p.currency, ARRAY[(${PLANS})[1 + pg_temp.rnd(960 + k, p.i) % 5]],
  'https://pay.example.com/i/' || v.id, p.created + (k * 30 - 29) * interval '1 day'
FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.invoices) k
CROSS JOIN LATERAL (SELECT pg_temp.bench_id('inv', p.i * 100 + k) AS id) v`;

const CHARGES = `
INSERT INTO "Charge" (id, "customerId", "invoiceId", amount, currency, status, "createdAt")
SELECT pg_temp.bench_id('ch', p.i * 100 + k), p.id,
  CASE WHEN k <= p.invoices THEN pg_temp.bench_id('inv', p.i * 100 + k) END,
  (ARRAY[900, 2900, 4900, 9900, 29900])[1 + pg_temp.rnd(1000 + k, p.i) % 5],
  p.currency,
  (ARRAY['SUCCEEDED','SUCCEEDED','SUCCEEDED','PENDING','FAILED','REFUNDED']::"ChargeStatus"[])[1 + pg_temp.rnd(1030 + k, p.i) % 6],
  p.created + (k * 30 - 29) * interval '1 day' + interval '1 hour'
FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.charges) k`;

const TRIALS = `
INSERT INTO "TrialUsed" (id, "customerId", "planId", fingerprint, "createdAt")
SELECT pg_temp.bench_id('trl', p.i), p.id, (ARRAY['pro','team','enterprise'])[1 + pg_temp.rnd(1100, p.i) % 3],
  'fp_' || (100000 + pg_temp.rnd(1101, p.i) % 900000), p.created
FROM bench_plan p WHERE pg_temp.rnd(1102, p.i) % 10 < 4`;

const REWARDS = `
INSERT INTO "Reward" (id, "customerId", code, type, "percentOff", "amountOff", currency, "planId", duration,
  "durationInMonths", "expiresAt", "createdAt")
SELECT pg_temp.bench_id('rwd', p.i), p.id, 'WELCOME' || (10 + pg_temp.rnd(1200, p.i) % 90), r.type,
  CASE WHEN r.type = 'PERCENTAGE_DISCOUNT' THEN (ARRAY[10, 20, 50])[1 + pg_temp.rnd(1201, p.i) % 3] END,
  CASE WHEN r.type = 'FIXED_DISCOUNT' THEN (ARRAY[500, 1000, 2500])[1 + pg_temp.rnd(1202, p.i) % 3] END,
  CASE WHEN r.type = 'FIXED_DISCOUNT' THEN p.currency END,
  CASE WHEN r.type = 'FREE_PRODUCT' THEN 'pro' END,
  (ARRAY['ONCE','REPEATING','FOREVER']::"RewardDuration"[])[1 + pg_temp.rnd(1203, p.i) % 3],
  3, now() + interval '90 days', p.created + interval '3 days'
FROM bench_plan p
CROSS JOIN LATERAL (SELECT
  (ARRAY['PERCENTAGE_DISCOUNT','FIXED_DISCOUNT','FREE_PRODUCT']::"RewardType"[])[1 + pg_temp.rnd(1204, p.i) % 3] AS type) r
WHERE p.rewarded`;

const REFERRALS = `
INSERT INTO "Referral" (id, "customerId", "programId", code, "referredCustomerId", "rewardId", "redeemedAt", "createdAt")
SELECT pg_temp.bench_id('ref', p.i), p.id, 'friends_2026', 'REF-' || (1000 + pg_temp.rnd(1300, p.i) % 9000),
  pg_temp.bench_id('cus', p.i - 1), CASE WHEN p.rewarded THEN pg_temp.bench_id('rwd', p.i) END,
  p.created + interval '5 days', p.created + interval '4 days'
FROM bench_plan p WHERE p.i > p.batch_start AND pg_temp.rnd(1301, p.i) % 10 < 3`;

const PAYMENT_METHODS = `
INSERT INTO "PaymentMethod" (id, "customerId", type, "isDefault", "cardBrand", "cardLast4", "cardExpMonth", "cardExpYear", "createdAt")
SELECT pg_temp.bench_id('pm', p.i), p.id, m.type, true,
  CASE WHEN m.type = 'CARD' THEN (ARRAY['visa','mastercard','amex'])[1 + pg_temp.rnd(1400, p.i) % 3] END,
  CASE WHEN m.type = 'CARD' THEN (1000 + pg_temp.rnd(1401, p.i) % 9000)::text END,
  CASE WHEN m.type = 'CARD' THEN 1 + pg_temp.rnd(1402, p.i) % 12 END,
  CASE WHEN m.type = 'CARD' THEN 2027 + pg_temp.rnd(1403, p.i) % 5 END,
  p.created
FROM bench_plan p
CROSS JOIN LATERAL (SELECT
  CASE WHEN pg_temp.rnd(1404, p.i) % 10 < 8 THEN 'CARD' ELSE (ARRAY['SEPA_DEBIT','PAYPAL'])[1 + pg_temp.rnd(1405, p.i) % 2] END::"PaymentMethodType" AS type) m
WHERE pg_temp.rnd(1406, p.i) % 100 < 85`;

/**
 * Scenario G's balances: $2 customers of the LIVE environment of account $1, each with one
 * "api_calls" balance that allows overage, so that every trackUsage meters and none is refused.
 * Made afresh by every run, right after it empties LIVE (see bench/context.ts): usage starts at 0.
 */
export const METERED_CUSTOMERS = `
INSERT INTO "Customer" (id, "accountId", env, name, email)
SELECT 'cus_BenchMeter' || lpad(i::text, 6, '0'), $1, 'LIVE', 'Bench Meter ' || i, 'bench.meter.' || i || '@example.com'
FROM generate_series(1, $2::int) AS i`;

export const METERED_BALANCES = `
INSERT INTO "Balance" (id, "customerId", "featureId", granted, usage, unlimited, "overageAllowed", interval, "nextResetAt")
SELECT 'bal_BenchMeter' || lpad(i::text, 6, '0'), 'cus_BenchMeter' || lpad(i::text, 6, '0'), 'api_calls', 1000, 0, false, true,
  'MONTH', (now() AT TIME ZONE 'UTC') + interval '30 days'
FROM generate_series(1, $1::int) AS i
RETURNING "customerId", "featureId"`;

/** Ranges [first, end) of customers in [0, $1) not loaded yet (batches may commit out of order). */
export const MISSING_RANGES = `
SELECT min(i) AS first, max(i) + 1 AS end FROM (
  SELECT i, i - row_number() OVER (ORDER BY i) AS island
  FROM generate_series(0::bigint, $1::bigint - 1) AS i
  WHERE NOT EXISTS (SELECT 1 FROM "Customer" c WHERE c.id = pg_temp.bench_id('cus', i))
) missing GROUP BY island ORDER BY first`;

/** In foreign-key order; they read everything from bench_plan, which PLAN fills from ($1 first i, $2 end i, $3 account id). */
export const INSERTS: { table: string; sql: string }[] = [
  { table: 'Customer', sql: CUSTOMERS },
  { table: 'Event', sql: EVENTS },
  { table: 'Entity', sql: ENTITIES },
  { table: 'Subscription', sql: SUBSCRIPTIONS },
  { table: 'Purchase', sql: PURCHASES },
  { table: 'Balance', sql: BALANCES },
  { table: 'Invoice', sql: INVOICES },
  { table: 'Charge', sql: CHARGES },
  { table: 'TrialUsed', sql: TRIALS },
  { table: 'Reward', sql: REWARDS },
  { table: 'Referral', sql: REFERRALS },
  { table: 'PaymentMethod', sql: PAYMENT_METHODS },
];
