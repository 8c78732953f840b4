import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  visit,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Caller } from '../auth/api-keys.ts';
import type { Context } from '../resolvers/context.ts';
import { type CustomerListArgs, customerList, customerListKeyset, sortsByInstant } from '../resolvers/customers.ts';
import { decodeCursor, fingerprint, type PageRequest, pageRequest } from '../resolvers/pagination.ts';
import type { Database } from './database.ts';

/**
 * `customer(id:)` and `customers` answered by one SQL statement that builds the response's JSON
 * in PostgreSQL.
 *
 * The resolvers read a customer by id in one statement already (startRelationReads), and a page
 * of customers in two, but then turn every row into objects, run a resolver per field and
 * serialize the result: a customer with everything nested cost the server twice the CPU the
 * database spends on it. Here the selection is compiled to SQL instead, once per document and
 * values of the variables the SQL depends on. The list's conditions, order and keyset are those
 * of src/resolvers/customers.ts, and its cursors are written as encodeCursor writes them.
 *
 * Only what this file knows is compiled: a query whose root fields are `customer`, `customers`
 * and `__typename`, selecting fields listed in FIELDS below. Anything else (another field, a directive
 * other than @skip/@include, an argument the resolvers would refuse) runs through the resolvers,
 * which also answer should the statement fail. A field added to the schema is answered by its
 * resolver until it is added here. test/customer-json.test.ts checks that both answer the same.
 */

class NotCompiled extends Error {}

/** A parameter of a compiled statement: a value fixed when it was compiled, or a variable's value at each run. */
type Param = { value: unknown } | { variable: string };

/** The statement being written: its parameters after $1 account and $2 environment, and its row aliases. */
class Statement {
  readonly params: Param[] = [];
  private aliases = 0;
  constructor(
    readonly schema: GraphQLSchema,
    readonly fragments: Record<string, FragmentDefinitionNode>,
    readonly variables: Record<string, unknown>,
  ) {}
  param(value: unknown, type: string): string {
    return this.placeholder({ value }, type);
  }
  placeholder(param: Param, type: string): string {
    this.params.push(param);
    return `$${this.params.length + 2}::${type}`;
  }
  alias(): string {
    return `t${++this.aliases}`;
  }
}

const ACCOUNT = '$1';
const ENV = '$2::"Environment"';

/** How a field reads: a SQL expression of JSON, given the parent's row alias (or expression). */
type FieldSql = (row: string, field: FieldNode, definition: GraphQLField<unknown, unknown>, statement: Statement) => string;

const column =
  (name: string): FieldSql =>
  (row) =>
    `${row}."${name}"`;
const iso = (expression: string) => `to_char(${expression}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const instant =
  (name: string): FieldSql =>
  (row) =>
    iso(`${row}."${name}"`);
const bigint =
  (name: string): FieldSql =>
  (row) =>
    `${row}."${name}"::text`;
const jsonText =
  (key: string): FieldSql =>
  (row) =>
    `(${row}->>'${key}')`;

/** Personal data reads as null on a deleted customer, as the resolvers answer. */
const personal =
  (read: FieldSql): FieldSql =>
  (row, ...rest) =>
    `CASE WHEN ${row}."deletedAt" IS NULL THEN ${read(row, ...rest)} END`;
const emptyWhenDeleted =
  (read: FieldSql): FieldSql =>
  (row, ...rest) =>
    `CASE WHEN ${row}."deletedAt" IS NULL THEN ${read(row, ...rest)} ELSE '[]'::json END`;

/** The JSON object of a selection; json_build_object takes at most 100 arguments, so larger ones are spliced as text. */
function jsonObject(pairs: [key: string, value: string][]): string {
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 50) {
    chunks.push(
      `json_build_object(${pairs
        .slice(i, i + 50)
        .map(([key, value]) => `'${key}', ${value}`)
        .join(', ')})`,
    );
  }
  if (chunks.length === 1) return chunks[0];
  return `(${chunks.map((chunk, i) => (i === 0 ? `left(${chunk}::text, -1)` : `substr(${chunk}::text, 2)`)).join(` || ',' || `)})::json`;
}

function included(node: SelectionNode, statement: Statement): boolean {
  for (const directive of node.directives ?? []) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') throw new NotCompiled();
    const { if: value } = getArgumentValues(statement.schema.getDirective(name)!, directive, statement.variables) as { if: boolean };
    if (value === (name === 'skip')) return false;
  }
  return true;
}

/**
 * The fields selected on an object of `type`, through fragments, in the order the response gives
 * them; fields under one response key are one field, their selections merged.
 */
function fieldsOf(type: GraphQLObjectType, selectionSet: SelectionSetNode, statement: Statement): FieldNode[] {
  const fields: FieldNode[] = [];
  const byKey = new Map<string, number>();
  const applies = (condition: string | undefined) =>
    condition === undefined || condition === type.name || type.getInterfaces().some((i) => i.name === condition);
  // A fragment spread again adds nothing: collecting it once keeps this linear in the document.
  const spread = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const node of set.selections) {
      if (!included(node, statement)) continue;
      if (node.kind === Kind.FIELD) {
        const key = node.alias?.value ?? node.name.value;
        const index = byKey.get(key);
        if (index === undefined) {
          byKey.set(key, fields.push(node) - 1);
        } else if (node.selectionSet) {
          // Validation has made sure that fields under one key have the same name and arguments.
          const first = fields[index];
          const selections = [...(first.selectionSet?.selections ?? []), ...node.selectionSet.selections];
          fields[index] = { ...first, selectionSet: { kind: Kind.SELECTION_SET, selections } };
        }
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        if (applies(node.typeCondition?.name.value)) collect(node.selectionSet);
      } else if (!spread.has(node.name.value)) {
        spread.add(node.name.value);
        const fragment = statement.fragments[node.name.value];
        if (!fragment) throw new NotCompiled();
        if (applies(fragment.typeCondition.name.value)) collect(fragment.selectionSet);
      }
    }
  };
  collect(selectionSet);
  return fields;
}

/** What `__typename` answers on an object of `type`, as SQL. */
const typename = (type: GraphQLObjectType) => `'${type.name}'`;

function objectJson(type: GraphQLObjectType, row: string, selectionSet: SelectionSetNode | undefined, statement: Statement): string {
  if (!selectionSet) throw new NotCompiled();
  const pairs = fieldsOf(type, selectionSet, statement).map((field): [string, string] => {
    const key = field.alias?.value ?? field.name.value;
    if (field.name.value === '__typename') return [key, typename(type)];
    const read = FIELDS[type.name]?.[field.name.value];
    if (!read) throw new NotCompiled();
    return [key, read(row, field, type.getFields()[field.name.value], statement)];
  });
  return jsonObject(pairs);
}

function objectType(definition: GraphQLField<unknown, unknown>): GraphQLObjectType {
  const type = getNamedType(definition.type);
  if (!isObjectType(type)) throw new NotCompiled();
  return type;
}

/** An object (or null) read from `from`, a FROM clause of the alias it is given. */
const one =
  (from: (alias: string, row: string, statement: Statement) => string): FieldSql =>
  (row, field, definition, statement) => {
    const alias = statement.alias();
    return `(SELECT ${objectJson(objectType(definition), alias, field.selectionSet, statement)} FROM ${from(alias, row, statement)} LIMIT 1)`;
  };

/** A list of objects read from `from`, in `order`. */
const list =
  (from: (alias: string, row: string) => string, order: (alias: string) => string): FieldSql =>
  (row, field, definition, statement) => {
    const alias = statement.alias();
    const element = objectJson(objectType(definition), alias, field.selectionSet, statement);
    return `coalesce((SELECT json_agg(${element} ORDER BY ${order(alias)}) FROM ${from(alias, row)}), '[]'::json)`;
  };

/** An object embedded in the parent's own row (a JSON column, or columns of the row), or null. */
const embedded =
  (value: (row: string) => string, present: (value: string) => string): FieldSql =>
  (row, field, definition, statement) =>
    `CASE WHEN ${present(value(row))} THEN ${objectJson(objectType(definition), value(row), field.selectionSet, statement)} END`;
const isJsonObject = (value: string) => `jsonb_typeof(${value}) = 'object'`;

/** Money of an amount in minor units and a currency, as src/schema/money.ts writes it. */
const money =
  (amount: (row: string) => string, currency: (row: string) => string): FieldSql =>
  (row, field, definition, statement) => {
    const alias = statement.alias();
    return `(SELECT ${objectJson(objectType(definition), alias, field.selectionSet, statement)} FROM (SELECT ${amount(row)} AS amount, ${currency(row)} AS currency) ${alias})`;
  };

/** Minor-unit digits by currency, from the ICU data that src/schema/money.ts formats with. */
const CURRENCY_DIGITS = (() => {
  const byDigits = new Map<number, string[]>();
  for (const code of Intl.supportedValuesOf('currency')) {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    if (digits !== 2) byDigits.set(digits, [...(byDigits.get(digits) ?? []), `'${code}'`]);
  }
  return (currency: string) =>
    `CASE ${[...byDigits].map(([digits, codes]) => `WHEN ${currency} IN (${codes.join(',')}) THEN ${digits}`).join(' ')} ELSE 2 END`;
})();

const NEWEST_FIRST = (alias: string) => `${alias}."createdAt" DESC, ${alias}.id DESC`;
const BY_FEATURE = (alias: string) => `${alias}."featureId", ${alias}.id`;
const rowsOf = (table: string, condition: (alias: string, row: string) => string) => (alias: string, row: string) =>
  `"${table}" ${alias} WHERE ${condition(alias, row)}`;
const ownRows = (table: string) => rowsOf(table, (alias, row) => `${alias}."customerId" = ${row}.id AND ${alias}."entityId" IS NULL`);
const allRows = (table: string) => rowsOf(table, (alias, row) => `${alias}."customerId" = ${row}.id`);
const entityRows = (table: string) => rowsOf(table, (alias, row) => `${alias}."entityId" = ${row}.id`);

/** Where a page's rows come from, and how its cursors and count are written. */
interface PageSource {
  request: PageRequest;
  /** The alias of the page's rows. */
  alias: string;
  /** `"Table" alias WHERE …`: every row of the list after (or before) the cursor. */
  rows: string;
  /** ORDER BY over the alias's columns, in the direction of travel. */
  order: string;
  listKey: string;
  /** The elements of the sort key a cursor carries, as JSON text, for a row of the alias. */
  sortKey: string;
  /** The count of the whole list. */
  totalCount: string;
}

/** A Relay connection over `source`: limit + 1 rows read in the direction of travel, cursors as encodeCursor writes them. */
function pageJson(source: PageSource, field: FieldNode, definition: GraphQLField<unknown, unknown>, statement: Statement): string {
  const { request, alias } = source;
  // encodeCursor's base64url of {"l":fingerprint,"k":[…]}.
  const cursor = `translate(encode(convert_to('{"l":"${fingerprint(source.listKey)}","k":[' || ${source.sortKey} || ']}', 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
  const inPage = `FILTER (WHERE ${alias}.n <= ${request.limit})`;
  const listOrder = request.backward ? 'DESC' : 'ASC';
  const reverse = request.backward ? 'ASC' : 'DESC';
  const connectionType = objectType(definition);
  const edgeType = objectType(connectionType.getFields().edges);
  const pageInfoType = objectType(connectionType.getFields().pageInfo);
  const hasMore = `count(*) > ${request.limit}`;
  const hasCursor = request.cursor !== undefined ? 'true' : 'false';
  const pageInfo: Record<string, string> = {
    hasNextPage: request.backward ? hasCursor : hasMore,
    hasPreviousPage: request.backward ? hasMore : hasCursor,
    startCursor: `(array_agg(${alias}.cursor ORDER BY ${alias}.n ${listOrder}) ${inPage})[1]`,
    endCursor: `(array_agg(${alias}.cursor ORDER BY ${alias}.n ${reverse}) ${inPage})[1]`,
  };
  if (!field.selectionSet) throw new NotCompiled();
  const selected = fieldsOf(connectionType, field.selectionSet, statement).map((part): [string, string] => {
    const key = part.alias?.value ?? part.name.value;
    switch (part.name.value) {
      case '__typename':
        return [key, typename(connectionType)];
      case 'totalCount':
        return [key, source.totalCount];
      case 'pageInfo':
        return [key, objectFrom(pageInfoType, part.selectionSet, statement, pageInfo)];
      case 'edges': {
        const edge = objectFrom(edgeType, part.selectionSet, statement, {
          cursor: `${alias}.cursor`,
          node: (node) => objectJson(objectType(edgeType.getFields().node), alias, node.selectionSet, statement),
        });
        return [key, `coalesce(json_agg(${edge} ORDER BY ${alias}.n ${listOrder}) ${inPage}, '[]'::json)`];
      }
      default:
        throw new NotCompiled();
    }
  });
  // GROUP BY (): one row even for an empty page, whatever is selected (totalCount alone aggregates nothing).
  return `(SELECT ${jsonObject(selected)} FROM (
    SELECT ${alias}.*, row_number() OVER (ORDER BY ${source.order}) AS n, ${cursor} AS cursor
    FROM (SELECT * FROM ${source.rows} ORDER BY ${source.order} LIMIT ${request.limit + 1}) ${alias}) ${alias} GROUP BY ())`;
}

/**
 * A customer's page of invoices, charges or events, as src/data/loaders.ts pages them: newest first,
 * keyset after or before a cursor.
 */
const connection =
  (table: string, relation: string): FieldSql =>
  (row, field, definition, statement) => {
    const request = pageRequest(getArgumentValues(definition, field, statement.variables));
    const listKey = `customer.${relation}`;
    const alias = statement.alias();
    const direction = request.backward ? 'ASC' : 'DESC';
    let keyset = '';
    if (request.cursor !== undefined) {
      const [createdAt, id] = decodeCursor(listKey, request.cursor, request.backward ? 'before' : 'after', ['instant', 'text']);
      keyset = `AND (${alias}."createdAt", ${alias}.id) ${request.backward ? '>' : '<'} (${statement.param(createdAt, 'timestamp(3)')}, ${statement.param(id, 'text')})`;
    }
    return pageJson(
      {
        request,
        alias,
        rows: `"${table}" ${alias} WHERE ${alias}."customerId" = ${row}.id ${keyset}`,
        order: `${alias}."createdAt" ${direction}, ${alias}.id ${direction}`,
        listKey,
        sortKey: `'"' || ${iso(`${alias}."createdAt"`)} || '","' || ${alias}.id || '"'`,
        totalCount: `(SELECT count(*)::int FROM "${table}" x WHERE x."customerId" = ${row}.id)`,
      },
      field,
      definition,
      statement,
    );
  };

/** The root `customers` list, as src/resolvers/customers.ts lists it. */
function customersPage(field: FieldNode, definition: GraphQLField<unknown, unknown>, statement: Statement): string {
  const param = (value: unknown, type: string) => statement.param(value, type);
  const list = customerList(
    getArgumentValues(definition, field, statement.variables) as CustomerListArgs,
    { account: ACCOUNT, env: ENV },
    param,
  );
  const keyset = customerListKeyset(list, param);
  const alias = statement.alias();
  const sortColumn = `${alias}."${list.order.field}"`;
  const sortValue = sortsByInstant(list.order.field)
    ? `'"' || ${iso(sortColumn)} || '"'`
    : `coalesce(to_json(${sortColumn})::text, 'null')`;
  return pageJson(
    {
      request: list.request,
      alias,
      rows: `"Customer" ${alias} WHERE ${list.filtered}${keyset ? ` AND ${keyset}` : ''}`,
      order: list.orderBy(`${alias}.`),
      listKey: list.listKey,
      sortKey: `${sortValue} || ',"' || ${alias}.id || '"'`,
      totalCount: `(SELECT count(*)::int FROM "Customer" WHERE ${list.filtered})`,
    },
    field,
    definition,
    statement,
  );
}

/** A selection over values computed already, by field name (a page's pageInfo and edges). */
function objectFrom(
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode | undefined,
  statement: Statement,
  values: Record<string, string | ((field: FieldNode) => string)>,
): string {
  if (!selectionSet) throw new NotCompiled();
  return jsonObject(
    fieldsOf(type, selectionSet, statement).map((field): [string, string] => {
      const key = field.alias?.value ?? field.name.value;
      if (field.name.value === '__typename') return [key, typename(type)];
      const value = values[field.name.value];
      if (value === undefined) throw new NotCompiled();
      return [key, typeof value === 'string' ? value : value(field)];
    }),
  );
}

const succeededCharges = (row: string) => `"Charge" ch WHERE ch."customerId" = ${row}.id AND ch.status = 'SUCCEEDED'`;

const FIELDS: Record<string, Record<string, FieldSql>> = {
  Customer: {
    id: column('id'),
    externalId: personal(column('externalId')),
    name: personal(column('name')),
    email: personal(column('email')),
    phone: personal(column('phone')),
    description: personal(column('description')),
    companyName: personal(column('companyName')),
    taxId: personal(column('taxId')),
    address: personal(embedded((row) => `${row}.address`, isJsonObject)),
    shipping: personal(embedded((row) => `${row}.shipping`, isJsonObject)),
    metadata: personal(column('metadata')),
    // Sorted as the resolver sorts, by UTF-16 code units: the same as bytes but for characters beyond U+FFFF.
    metadataEntries: personal(
      list(
        (alias, row) => `jsonb_each_text(${row}.metadata) ${alias}`,
        (alias) => `${alias}.key COLLATE "C"`,
      ),
    ),
    env: column('env'),
    livemode: (row) => `${row}.env = 'LIVE'`,
    locale: column('locale'),
    preferredLocales: column('preferredLocales'),
    currency: column('currency'),
    accountBalance: (row, ...rest) =>
      `CASE WHEN ${row}.currency IS NOT NULL THEN ${money(
        (r) => `${r}.balance`,
        (r) => `${r}.currency`,
      )(row, ...rest)} END`,
    accountBalanceMinorUnits: bigint('balance'),
    delinquent: column('delinquent'),
    invoicePrefix: personal(column('invoicePrefix')),
    nextInvoiceSequence: column('nextInvoiceSequence'),
    taxExempt: column('taxExempt'),
    taxIds: personal(
      list(
        (alias, row) => `jsonb_array_elements(${row}."taxIds") WITH ORDINALITY ${alias}(value, ordinality)`,
        (alias) => `${alias}.ordinality`,
      ),
    ),
    fingerprint: column('fingerprint'),
    stripeId: column('stripeId'),
    sendEmailReceipts: column('sendEmailReceipts'),
    createdAt: instant('createdAt'),
    updatedAt: instant('updatedAt'),
    deleted: (row) => `${row}."deletedAt" IS NOT NULL`,
    deletedAt: instant('deletedAt'),
    version: column('version'),
    subscriptions: emptyWhenDeleted(list(ownRows('Subscription'), NEWEST_FIRST)),
    purchases: emptyWhenDeleted(list(ownRows('Purchase'), NEWEST_FIRST)),
    balances: emptyWhenDeleted(list(ownRows('Balance'), BY_FEATURE)),
    balance: personal((row, field, definition, statement) => {
      const { featureId } = getArgumentValues(definition, field, statement.variables);
      const feature = statement.param(featureId, 'text');
      // Should a customer hold two balances of one feature, the oldest answers.
      return one(
        (alias) => `${ownRows('Balance')(alias, row)} AND ${alias}."featureId" = ${feature} ORDER BY ${alias}."createdAt", ${alias}.id`,
      )(row, field, definition, statement);
    }),
    entities: emptyWhenDeleted(list(allRows('Entity'), NEWEST_FIRST)),
    trialsUsed: emptyWhenDeleted(list(allRows('TrialUsed'), NEWEST_FIRST)),
    rewards: emptyWhenDeleted(list(allRows('Reward'), NEWEST_FIRST)),
    referrals: emptyWhenDeleted(list(allRows('Referral'), NEWEST_FIRST)),
    // Should two be marked default, the newest answers.
    paymentMethod: personal(
      one((alias, row) => `${allRows('PaymentMethod')(alias, row)} AND ${alias}."isDefault" ORDER BY ${NEWEST_FIRST(alias)}`),
    ),
    stats: (row, field, definition, statement) => objectJson(objectType(definition), row, field.selectionSet, statement),
    invoices: (row, ...rest) => emptyPageWhenDeleted(row, connection('Invoice', 'invoices')(row, ...rest), ...rest),
    charges: (row, ...rest) => emptyPageWhenDeleted(row, connection('Charge', 'charges')(row, ...rest), ...rest),
    // A deleted customer's events stay readable: they are its history.
    events: connection('Event', 'events'),
  },
  Address: {
    line1: jsonText('line1'),
    line2: jsonText('line2'),
    city: jsonText('city'),
    state: jsonText('state'),
    postalCode: jsonText('postalCode'),
    country: jsonText('country'),
  },
  Shipping: {
    name: jsonText('name'),
    phone: jsonText('phone'),
    address: embedded((row) => `(${row}->'address')`, isJsonObject),
  },
  MetadataEntry: { key: column('key'), value: column('value') },
  TaxId: { type: (row) => `(${row}.value->>'type')`, value: (row) => `(${row}.value->>'value')` },
  Money: {
    minorUnits: (row) => `${row}.amount::text`,
    amount: (row) =>
      `round(${row}.amount::numeric / 10::numeric ^ (${CURRENCY_DIGITS(`${row}.currency`)}), ${CURRENCY_DIGITS(`${row}.currency`)})::text`,
    currency: column('currency'),
  },
  CustomerStats: {
    invoiceCount: (row) => `(SELECT count(*)::int FROM "Invoice" i WHERE i."customerId" = ${row}.id)`,
    chargeCount: (row) => `(SELECT count(*)::int FROM "Charge" ch WHERE ch."customerId" = ${row}.id)`,
    // In the customer's currency, or the only one charged; zero when nothing was charged in it.
    totalSpent: (row, field, definition, statement) => {
      const spent = statement.alias();
      const amount = money(
        (r) => `coalesce((SELECT sum(ch.amount) FROM ${succeededCharges(row)} AND ch.currency = ${r}.currency), 0)`,
        (r) => `${r}.currency`,
      )(spent, field, definition, statement);
      return `(SELECT CASE WHEN ${spent}.currency IS NOT NULL THEN ${amount} END FROM (SELECT coalesce(${row}.currency,
        (SELECT min(ch.currency) FROM ${succeededCharges(row)} HAVING count(DISTINCT ch.currency) = 1)) AS currency) ${spent})`;
    },
    totalSpentByCurrency: (row, field, definition, statement) => {
      const alias = statement.alias();
      const element = objectJson(objectType(definition), alias, field.selectionSet, statement);
      return `coalesce((SELECT json_agg(${element} ORDER BY ${alias}.currency) FROM (SELECT ch.currency, sum(ch.amount) AS amount
        FROM ${succeededCharges(row)} GROUP BY ch.currency) ${alias}), '[]'::json)`;
    },
  },
  PlanSubscription: {
    id: column('id'),
    planId: column('planId'),
    status: column('status'),
    addOn: column('addOn'),
    quantity: column('quantity'),
    entityId: column('entityId'),
    startedAt: instant('startedAt'),
    currentPeriodStart: instant('currentPeriodStart'),
    currentPeriodEnd: instant('currentPeriodEnd'),
    trialEndsAt: instant('trialEndsAt'),
    canceledAt: instant('canceledAt'),
    expiresAt: instant('expiresAt'),
    createdAt: instant('createdAt'),
  },
  Purchase: {
    id: column('id'),
    planId: column('planId'),
    quantity: column('quantity'),
    status: column('status'),
    entityId: column('entityId'),
    expiresAt: instant('expiresAt'),
    createdAt: instant('createdAt'),
  },
  Balance: {
    id: column('id'),
    featureId: column('featureId'),
    granted: bigint('granted'),
    usage: bigint('usage'),
    remaining: (row) => `(${row}.granted::numeric - ${row}.usage)::text`,
    unlimited: column('unlimited'),
    overageAllowed: column('overageAllowed'),
    interval: column('interval'),
    nextResetAt: instant('nextResetAt'),
    entityId: column('entityId'),
    updatedAt: instant('updatedAt'),
  },
  Entity: {
    id: column('id'),
    externalId: column('externalId'),
    name: column('name'),
    featureId: column('featureId'),
    createdAt: instant('createdAt'),
    subscriptions: list(entityRows('Subscription'), NEWEST_FIRST),
    purchases: list(entityRows('Purchase'), NEWEST_FIRST),
    balances: list(entityRows('Balance'), BY_FEATURE),
  },
  TrialUsed: { id: column('id'), planId: column('planId'), fingerprint: column('fingerprint'), createdAt: instant('createdAt') },
  Reward: {
    id: column('id'),
    code: column('code'),
    type: column('type'),
    percentOff: column('percentOff'),
    amountOff: (row, ...rest) =>
      `CASE WHEN ${row}."amountOff" IS NOT NULL AND ${row}.currency IS NOT NULL THEN ${money(
        (r) => `${r}."amountOff"`,
        (r) => `${r}.currency`,
      )(row, ...rest)} END`,
    planId: column('planId'),
    duration: column('duration'),
    durationInMonths: column('durationInMonths'),
    expiresAt: instant('expiresAt'),
    createdAt: instant('createdAt'),
  },
  Referral: {
    id: column('id'),
    programId: column('programId'),
    code: column('code'),
    // Visible only through a live customer of the caller, as node(id) sees it.
    reward: one(
      (alias, row) => `"Reward" ${alias} JOIN "Customer" ${alias}p ON ${alias}p.id = ${alias}."customerId"
        WHERE ${alias}.id = ${row}."rewardId" AND ${alias}p."accountId" = ${ACCOUNT} AND ${alias}p.env = ${ENV} AND ${alias}p."deletedAt" IS NULL`,
    ),
    referredCustomer: one(
      (alias, row) =>
        `"Customer" ${alias} WHERE ${alias}.id = ${row}."referredCustomerId" AND ${alias}."accountId" = ${ACCOUNT} AND ${alias}.env = ${ENV}`,
    ),
    redeemedAt: instant('redeemedAt'),
    createdAt: instant('createdAt'),
  },
  PaymentMethod: {
    id: column('id'),
    type: column('type'),
    card: embedded(
      (row) => row,
      (row) => `${row}.type = 'CARD'`,
    ),
    isDefault: column('isDefault'),
    createdAt: instant('createdAt'),
  },
  Card: {
    brand: (row) => `coalesce(${row}."cardBrand", 'unknown')`,
    last4: (row) => `coalesce(${row}."cardLast4", '')`,
    expMonth: (row) => `coalesce(${row}."cardExpMonth", 0)`,
    expYear: (row) => `coalesce(${row}."cardExpYear", 0)`,
  },
  Invoice: {
    id: column('id'),
    number: column('number'),
    status: column('status'),
    total: money(
      (r) => `${r}.total`,
      (r) => `${r}.currency`,
    ),
    currency: column('currency'),
    planIds: column('planIds'),
    hostedUrl: column('hostedUrl'),
    createdAt: instant('createdAt'),
  },
  Charge: {
    id: column('id'),
    amount: money(
      (r) => `${r}.amount`,
      (r) => `${r}.currency`,
    ),
    currency: column('currency'),
    status: column('status'),
    invoiceId: column('invoiceId'),
    createdAt: instant('createdAt'),
  },
  Event: {
    id: column('id'),
    type: column('type'),
    customerId: column('customerId'),
    data: column('data'),
    createdAt: instant('createdAt'),
  },
};

/** A deleted customer's invoices and charges: an empty first page, its arguments still checked. */
function emptyPageWhenDeleted(
  row: string,
  page: string,
  field: FieldNode,
  definition: GraphQLField<unknown, unknown>,
  statement: Statement,
): string {
  const empty: Record<string, string> = {
    totalCount: '0',
    hasNextPage: 'false',
    hasPreviousPage: 'false',
    startCursor: 'NULL::text',
    endCursor: 'NULL::text',
  };
  const connectionType = objectType(definition);
  const pairs = fieldsOf(connectionType, field.selectionSet!, statement).map((part): [string, string] => {
    const key = part.alias?.value ?? part.name.value;
    if (part.name.value === '__typename') return [key, typename(connectionType)];
    if (part.name.value === 'edges') return [key, `'[]'::json`];
    if (part.name.value === 'pageInfo')
      return [key, objectFrom(objectType(connectionType.getFields().pageInfo), part.selectionSet, statement, empty)];
    return [key, empty[part.name.value]];
  });
  return `CASE WHEN ${row}."deletedAt" IS NULL THEN ${page} ELSE ${jsonObject(pairs)} END`;
}

interface Plan {
  sql: string;
  params: Param[];
}

/**
 * Variables used only as the id of a root `customer` field, without a default: they reach the
 * statement as parameters and nothing else, so one compiled statement serves every value of theirs.
 */
function idOnlyVariables(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const asRootId = new Map<string, number>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value !== 'customer') continue;
    for (const argument of selection.arguments ?? []) {
      if (argument.name.value === 'id' && argument.value.kind === Kind.VARIABLE) {
        asRootId.set(argument.value.name.value, (asRootId.get(argument.value.name.value) ?? 0) + 1);
      }
    }
  }
  const uses = new Map<string, number>();
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => void uses.set(node.name.value, (uses.get(node.name.value) ?? 0) + 1),
  });
  const withDefault = new Set(operation.variableDefinitions?.filter((d) => d.defaultValue).map((d) => d.variable.name.value));
  return new Set([...asRootId].filter(([name, count]) => uses.get(name) === count && !withDefault.has(name)).map(([name]) => name));
}

/** The statement answering `operation`, or undefined when the resolvers must answer it. */
function compile(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  idOnly: Set<string>,
): Plan | undefined {
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  // As the executor sees them: with their defaults, an Int given for an ID as a string.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return undefined;
  const statement = new Statement(schema, fragments, coerced.coerced);
  const query = schema.getQueryType()!;
  try {
    const pairs = fieldsOf(query, operation.selectionSet, statement).map((field): [string, string] => {
      const key = field.alias?.value ?? field.name.value;
      if (field.name.value === '__typename') return [key, typename(query)];
      if (field.name.value === 'customers') return [key, customersPage(field, query.getFields().customers, statement)];
      if (field.name.value !== 'customer') throw new NotCompiled();
      const definition = query.getFields().customer;
      const argument = field.arguments?.find((a) => a.name.value === 'id')?.value;
      const id =
        argument?.kind === Kind.VARIABLE && idOnly.has(argument.name.value)
          ? statement.placeholder({ variable: argument.name.value }, 'text')
          : statement.param(String(getArgumentValues(definition, field, statement.variables).id), 'text');
      const alias = statement.alias();
      return [
        key,
        `(SELECT ${objectJson(objectType(definition), alias, field.selectionSet, statement)} FROM "Customer" ${alias}
          WHERE ${alias}.id = ${id} AND ${alias}."accountId" = ${ACCOUNT} AND ${alias}.env = ${ENV})`,
      ];
    });
    // Only __typename: the executor answers without the database.
    if (pairs.every(([, value]) => value === typename(query))) return undefined;
    return { sql: `SELECT (${jsonObject(pairs)})::text AS body`, params: statement.params };
  } catch {
    // Not compiled, or an argument the resolvers will refuse with their own error.
    return undefined;
  }
}

/** Statements compiled per document, by operation and the values of the variables they depend on. */
const plans = new WeakMap<DocumentNode, { idOnly: Set<string>; byVariables: Map<string, Plan | undefined> }>();
// Variables such as page sizes and cursors are part of the key: a bound on what one document keeps.
const MAX_PLANS_PER_DOCUMENT = 100;

/** The statement and parameters answering `document`'s operation, or undefined when the resolvers must answer it. */
function compileCustomerRead(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  caller: Caller,
): { sql: string; params: unknown[] } | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'query') return undefined;
  let compiled = plans.get(document);
  if (!compiled) {
    compiled = { idOnly: idOnlyVariables(document, operation), byVariables: new Map() };
    plans.set(document, compiled);
  }
  const { idOnly, byVariables } = compiled;
  const key = JSON.stringify([operationName ?? null, Object.entries(variables).filter(([name]) => !idOnly.has(name))]);
  let plan = byVariables.get(key);
  if (plan === undefined && !byVariables.has(key)) {
    plan = compile(schema, document, operation, variables, idOnly);
    if (byVariables.size >= MAX_PLANS_PER_DOCUMENT) byVariables.clear();
    byVariables.set(key, plan);
  }
  if (!plan) return undefined;
  const params = plan.params.map((param) => ('variable' in param ? String(variables[param.variable]) : param.value));
  return { sql: plan.sql, params: [caller.accountId, caller.env, ...params] };
}

/**
 * Runs a `customer(id:)` or `customers` query as one statement that PostgreSQL answers with the
 * response's JSON; any other operation, or a failed statement, goes to the executor set before
 * this plugin.
 */
export function customerReadAsJson(db: Pick<Database, 'read'>): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const compiled = compileCustomerRead(
        args.schema,
        args.document,
        args.operationName,
        args.variableValues ?? {},
        args.contextValue.caller,
      );
      if (!compiled) return;
      setExecuteFn(async (executeArgs) => {
        try {
          const [row] = await db.read<{ body: string }>(compiled.sql, compiled.params);
          return { data: JSON.parse(row.body) };
        } catch {
          return executeFn(executeArgs);
        }
      });
    },
  };
}
