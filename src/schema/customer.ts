import { IDEMPOTENCY_KEY_MAX_LENGTH, LIST_LIMITS, METADATA_LIMITS, PAGE_SIZE, TEXT_LIMITS } from '../config/limits.ts';
import { type Aggregate, compiledObject, compiledRows, compiledValue } from '../data/compiled-read/declare.ts';
import { BY_FEATURE, NEWEST_FIRST, OLDEST_FIRST } from '../data/ordering.ts';
import { CUSTOMER_CURSOR } from '../data/pagination.ts';
import { findOne, findPage } from '../data/reads.ts';
import { scoped } from '../data/tenant.ts';
import { badArgument } from '../domain/errors.ts';
import type { Money } from '../domain/money.ts';
import { Environment, TaxExempt } from '../generated/prisma/enums.ts';
import type { Context } from '../resolvers/context.ts';
import type { CustomerFieldsInput } from '../resolvers/customer-input.ts';
import { type CustomerFilter, type CustomerOrder, customerListOrder, customerTally, customerWhere } from '../resolvers/customer-list.ts';
import {
  type CustomerPayload as CustomerPayloadShape,
  createCustomer,
  type DeletePayload,
  deleteCustomer,
  type UpsertPayload,
  updateCustomer,
  upsertCustomer,
} from '../resolvers/customers.ts';
import { accessOf } from '../resolvers/usage.ts';
import { AccessRef, BalanceRef } from './balance.ts';
import { builder, type SchemaTypes } from './builder.ts';
import { newestFirstPages, totalCountField } from './connections.ts';
import { EntityRef } from './entity.ts';
import { MoneyRef, moneyOfColumns } from './money.ts';
import { keyedById } from './node-entity.ts';
import { PaymentMethodRef } from './payment-method.ts';
import { UserErrorRef } from './user-error.ts';

const EnvironmentEnum = builder.enumType(Environment, {
  name: 'Environment',
  description: 'LIVE for real money; TEST for the sandbox. The API key decides which one a request sees.',
});
const TaxExemptEnum = builder.enumType(TaxExempt, {
  name: 'TaxExempt',
  description: "The customer's tax exemption: NONE, EXEMPT, or REVERSE (reverse charge).",
});

interface Address {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
}

const AddressRef = builder.objectRef<Address>('Address').implement({
  description: 'A postal address.',
  fields: (t) => ({
    line1: t.exposeString('line1', { nullable: true, description: 'Street, PO box or company name.' }),
    line2: t.exposeString('line2', { nullable: true, description: 'Apartment, suite, unit or building.' }),
    city: t.exposeString('city', { nullable: true, description: 'City, district, suburb, town or village.' }),
    state: t.exposeString('state', { nullable: true, description: 'State, county, province or region.' }),
    postalCode: t.exposeString('postalCode', { nullable: true, description: 'ZIP or postal code.' }),
    country: t.exposeString('country', { nullable: true, description: 'ISO 3166-1 alpha-2 country code, uppercase.' }),
  }),
});

const ShippingRef = builder.objectRef<{ name: string | null; phone: string | null; address: Address | null }>('Shipping').implement({
  description: 'Where and to whom goods are shipped.',
  fields: (t) => ({
    name: t.exposeString('name', { nullable: true, description: 'Recipient name.' }),
    phone: t.exposeString('phone', { nullable: true, description: 'Recipient phone, with country code.' }),
    address: exposeJson(t, 'address', { type: AddressRef, nullable: true, description: 'Shipping address.' }),
  }),
});

const TaxIdRef = builder.objectRef<{ type: string; value: string }>('TaxId').implement({
  description: 'A tax identification number, as Stripe types them.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'Kind of tax id, e.g. eu_vat, us_ein, gb_vat.' }),
    value: t.exposeString('value', { description: 'The number itself.' }),
  }),
});

const InvoiceCustomFieldRef = builder.objectRef<{ name: string; value: string }>('InvoiceCustomField').implement({
  description: 'A name and value printed on every invoice of the customer.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The label, e.g. "PO number".' }),
    value: t.exposeString('value', { description: 'What is printed beside it.' }),
  }),
});

const InvoiceSettingsRef = builder
  .objectRef<{ footer: string | null; customFields: { name: string; value: string }[]; defaultPaymentMethodId: string | null }>(
    'InvoiceSettings',
  )
  .implement({
    description: "How the customer's invoices are made (Stripe's invoice_settings).",
    fields: (t) => ({
      footer: t.exposeString('footer', { nullable: true, description: 'Text printed at the bottom of every invoice.' }),
      customFields: t.expose('customFields', { type: [InvoiceCustomFieldRef], description: 'Name/value pairs printed on every invoice.' }),
      defaultPaymentMethodId: t.exposeString('defaultPaymentMethodId', {
        nullable: true,
        description: "The payment method (`pm_…`) invoices are charged to, instead of the customer's default one.",
      }),
    }),
  });

const MetadataEntryRef = builder.objectRef<{ key: string; value: string }>('MetadataEntry').implement({
  description: 'One key/value pair of metadata.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The key.' }),
    value: t.exposeString('value', { description: 'The value.' }),
  }),
});

/**
 * A JSON column exposed as the GraphQL type of what it holds (an address object, a list of tax
 * ids): the input rules only ever write that shape, which Prisma types as JsonValue.
 */
function exposeJson<T extends { expose: (...args: never[]) => unknown }>(t: T, column: string, options: object): ReturnType<T['expose']> {
  return (t.expose as (column: string, options: object) => ReturnType<T['expose']>)(column, options);
}

/** Metadata keys in code point order, as PostgreSQL's "C" collation sorts them. */
const byKey = (a: { key: string }, b: { key: string }) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));

/** Succeeded charges summed per currency: what a customer spent. */
const SPENT: Aggregate = { relation: 'charges', by: ['currency'], sum: ['amount'], where: { status: 'SUCCEEDED' } };

async function spentByCurrency(customerId: string, ctx: Context): Promise<Money[]> {
  const groups = await ctx.loaders.groups('Customer', SPENT).load(customerId);
  return groups.map((group) => ({ currency: group.currency as string, amount: group.amount as bigint }));
}

const CustomerStatsRef = builder.prismaObject('Customer', {
  variant: 'CustomerStats',
  description: "Aggregates over a customer's invoices and charges, computed when asked for.",
  fields: (t) => ({
    invoiceCount: t.relationCount('invoices', { description: 'Number of invoices, any status.' }),
    chargeCount: t.relationCount('charges', { description: 'Number of charges, any status.' }),
    totalSpent: t.field({
      type: MoneyRef,
      nullable: true,
      description:
        "Sum of SUCCEEDED charges in the customer's currency (or in the only currency charged, if the customer has none); null when nothing was charged in it. See totalSpentByCurrency for every currency.",
      resolve: async (customer, _args, ctx) => {
        const spent = await spentByCurrency(customer.id, ctx);
        const currency = customer.currency ?? (spent.length === 1 ? spent[0].currency : null);
        return spent.find((s) => s.currency === currency) ?? (currency ? { currency, amount: 0n } : null);
      },
      // One row: the currency (the customer's own, or the only one charged) and what was spent in it.
      extensions: compiledObject({
        from: (sql, alias) => {
          const [spent, group] = [sql.alias(), sql.alias()];
          return `(SELECT ${alias}_in.currency, coalesce(${group}.amounts[array_position(${group}.currencies, ${alias}_in.currency)], 0) AS amount
            FROM (SELECT array_agg(${spent}.currency ORDER BY ${spent}.currency) AS currencies, array_agg(${spent}.amount ORDER BY ${spent}.currency) AS amounts
                  FROM ${sql.groupBy(SPENT, spent)}) ${group},
            LATERAL (SELECT coalesce(${sql.column('currency')}, CASE WHEN cardinality(${group}.currencies) = 1 THEN ${group}.currencies[1] END) AS currency) ${alias}_in) ${alias}`;
        },
        when: (sql) => `${sql.column('currency')} IS NOT NULL`,
      }),
    }),
    totalSpentByCurrency: t.field({
      type: [MoneyRef],
      description: 'Sum of SUCCEEDED charges for each currency charged, by currency code.',
      resolve: (customer, _args, ctx) => spentByCurrency(customer.id, ctx),
      extensions: compiledRows((sql, alias) => ({ from: sql.groupBy(SPENT, alias), orderBy: `${alias}.currency` })),
    }),
  }),
});

export const CustomerRef = builder.prismaObject('Customer', {
  description:
    'A customer of a merchant: who they are, what they subscribe to and bought, what they have left and what they paid. A deleted customer reads as a tombstone: id, deleted, deletedAt, its invoices, charges and history, and no personal data.',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Customer', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `cus_…`; also its global id.' }),
    externalId: t.exposeString('externalId', {
      nullable: true,
      description: "The merchant's own id for the customer (Autumn's `id`), unique per account and environment.",
    }),
    name: t.exposeString('name', { nullable: true, description: 'Full name or business name.' }),
    email: t.exposeString('email', {
      nullable: true,
      description:
        'Email address, as given. Unique among the live customers of an account and environment regardless of case (and of Unicode compatibility forms such as fullwidth letters); Stripe enforces no uniqueness at all.',
    }),
    phone: t.exposeString('phone', { nullable: true, description: 'Phone number.' }),
    description: t.exposeString('description', { nullable: true, description: "Free text for the merchant's staff." }),
    companyName: t.exposeString('companyName', { nullable: true, description: 'Company the customer buys for.' }),
    taxId: t.exposeString('taxId', { nullable: true, description: 'Primary tax number, as printed on invoices.' }),
    address: exposeJson(t, 'address', { type: AddressRef, nullable: true, description: 'Billing address.' }),
    shipping: exposeJson(t, 'shipping', { type: ShippingRef, nullable: true, description: 'Shipping name, phone and address.' }),
    metadata: exposeJson(t, 'metadata', {
      type: 'JSONObject',
      nullable: true,
      description: `Key/value strings for the merchant's own use (at most ${METADATA_LIMITS.keys} keys; keys up to ${METADATA_LIMITS.keyLength} characters without [ ]; values up to ${METADATA_LIMITS.valueLength}).`,
    }),
    metadataEntries: t.field({
      type: [MetadataEntryRef],
      nullable: true,
      description: 'The metadata as a list of entries sorted by key, for typed clients.',
      resolve: (c) =>
        Object.entries(c.metadata as Record<string, string>)
          .map(([key, value]) => ({ key, value }))
          .sort(byKey),
      extensions: compiledRows((sql, alias) => ({
        from: `jsonb_each_text(${sql.column('metadata')}) ${alias}`,
        orderBy: `${alias}.key COLLATE "C"`,
      })),
    }),
    env: t.expose('env', { type: EnvironmentEnum, description: 'The environment the customer lives in.' }),
    livemode: t.boolean({
      description: "True in LIVE, false in TEST (Stripe's livemode).",
      resolve: (c) => c.env === 'LIVE',
      extensions: compiledValue((sql) => `${sql.column('env')} = 'LIVE'`),
    }),
    locale: t.exposeString('locale', { nullable: true, description: 'Preferred locale in its BCP 47 form, like en or fr-FR.' }),
    preferredLocales: t.exposeStringList('preferredLocales', { description: 'Locales for emails and invoices, in order of preference.' }),
    currency: t.exposeString('currency', { nullable: true, description: 'ISO 4217 currency the customer is billed in, uppercase.' }),
    accountBalance: t.field({
      type: MoneyRef,
      nullable: true,
      description:
        "Credit (negative) or amount owed (positive) carried to the next invoice, Stripe's customer `balance` (named account_balance before 2019; `balance` here is a feature balance); null while the customer has no currency.",
      resolve: (c) => (c.currency ? { amount: c.balance, currency: c.currency } : null),
      extensions: compiledObject({ when: (sql) => `${sql.column('currency')} <> ''`, ...moneyOfColumns('balance', 'currency') }),
    }),
    accountBalanceMinorUnits: t.expose('balance', {
      type: 'BigInt',
      description: 'The account balance in minor units, also while no currency is set.',
    }),
    delinquent: t.exposeBoolean('delinquent', { description: 'True when the latest invoice payment failed.' }),
    invoicePrefix: t.exposeString('invoicePrefix', {
      nullable: true,
      description: `Prefix of invoice numbers: 3 to ${TEXT_LIMITS.invoicePrefix} uppercase letters or digits, unique per account.`,
    }),
    nextInvoiceSequence: t.exposeInt('nextInvoiceSequence', { description: 'Sequence number of the next invoice.' }),
    taxExempt: t.expose('taxExempt', { type: TaxExemptEnum, description: 'Tax exemption status.' }),
    taxIds: exposeJson(t, 'taxIds', { type: [TaxIdRef], nullable: true, description: 'Tax ids, as Stripe types them.' }),
    fingerprint: t.exposeString('fingerprint', { nullable: true, description: 'Device fingerprint, to spot repeat trials (Autumn).' }),
    stripeId: t.exposeString('stripeId', { nullable: true, description: 'The matching Stripe customer id, `cus_…` in Stripe.' }),
    sendEmailReceipts: t.exposeBoolean('sendEmailReceipts', { description: 'Whether receipts are emailed.' }),
    invoiceSettings: exposeJson(t, 'invoiceSettings', {
      type: InvoiceSettingsRef,
      nullable: true,
      description: "How the customer's invoices are made: footer, custom fields, default payment method; null until set.",
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the customer was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the customer last changed.' }),
    deleted: t.boolean({
      description: 'True for a deleted customer (a tombstone).',
      resolve: (c) => c.deletedAt !== null,
      extensions: compiledValue((sql) => `${sql.column('deletedAt')} IS NOT NULL`),
    }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true, description: 'When the customer was deleted.' }),
    version: t.exposeInt('version', {
      description: 'Goes up by one with every change; pass it as expectedVersion to update only what you read.',
    }),

    subscriptions: t.relation('subscriptions', {
      description: "The customer's own subscriptions (not its entities'), newest first.",
      query: { where: { entityId: null }, orderBy: NEWEST_FIRST },
    }),
    purchases: t.relation('purchases', {
      description: "The customer's own one-off purchases, newest first.",
      query: { where: { entityId: null }, orderBy: NEWEST_FIRST },
    }),
    balances: t.relation('balances', {
      description: "The customer's own feature balances, by feature id.",
      query: { where: { entityId: null }, orderBy: BY_FEATURE },
    }),
    balance: t.field({
      type: BalanceRef,
      nullable: true,
      description: "The customer's own balance of one feature, or null when it has none.",
      args: { featureId: t.arg.string({ required: true, description: 'The feature, e.g. "api_calls".' }) },
      select: (args, _ctx, nested) => ({
        balances: nested({ where: { featureId: args.featureId, entityId: null }, orderBy: OLDEST_FIRST, take: 1 }),
      }),
      resolve: (c) => c.balances[0] ?? null,
    }),
    entities: t.relation('entities', { description: 'Seats or workspaces, newest first.', query: { orderBy: NEWEST_FIRST } }),
    trialsUsed: t.relation('trialsUsed', { description: 'Trials the customer has used, newest first.', query: { orderBy: NEWEST_FIRST } }),
    rewards: t.relation('rewards', { description: 'Discounts and free products granted, newest first.', query: { orderBy: NEWEST_FIRST } }),
    referrals: t.relation('referrals', { description: 'Referrals this customer made, newest first.', query: { orderBy: NEWEST_FIRST } }),
    referralCodes: t.relation('referralCodes', {
      description: "The customer's referral codes, one per programme, newest first.",
      query: { orderBy: NEWEST_FIRST },
    }),
    entity: t.field({
      type: EntityRef,
      nullable: true,
      description: 'The entity with this externalId, or null.',
      args: { externalId: t.arg.string({ required: true, description: "The merchant's own id of the entity." }) },
      select: (args, _ctx, nested) => ({ entities: nested({ where: { externalId: args.externalId }, take: 1 }) }),
      resolve: (c) => c.entities[0] ?? null,
    }),
    access: t.field({
      type: AccessRef,
      description:
        'Whether the customer (or one of its entities) may use a feature now: its balance as it is (reset if due), checked against requiredBalance, without writing.',
      args: {
        featureId: t.arg.string({ required: true, description: 'The feature, e.g. "api_calls".' }),
        requiredBalance: t.arg({ type: 'BigInt', defaultValue: 1n, description: 'How much must be left (default 1; 0 or more).' }),
        entityId: t.arg.id({ description: "An entity of the customer, `ent_…`: its balance instead of the customer's own." }),
      },
      select: (args, _ctx, nested) => ({
        balances: nested({ where: { featureId: args.featureId, entityId: args.entityId == null ? null : String(args.entityId) }, take: 1 }),
      }),
      resolve: (c, args) => {
        const required = args.requiredBalance ?? 1n;
        if (required < 0n) throw badArgument('requiredBalance', 'must be 0 or more');
        return accessOf(c.balances[0] ?? null, required);
      },
    }),
    paymentMethod: t.field({
      type: PaymentMethodRef,
      nullable: true,
      description: 'The default payment method (the newest, should two be marked default).',
      select: (_args, _ctx, nested) => ({ paymentMethods: nested({ where: { isDefault: true }, orderBy: NEWEST_FIRST, take: 1 }) }),
      resolve: (c) => c.paymentMethods[0] ?? null,
    }),
    stats: t.variant(CustomerStatsRef, { description: 'Invoice and charge counts and the total spent.' }),
    invoices: t.relatedConnection(
      'invoices',
      {
        ...newestFirstPages('Invoice'),
        description: `Invoices, newest first (default ${PAGE_SIZE.default}, at most ${PAGE_SIZE.max} a page).`,
      },
      totalCountField,
    ),
    charges: t.relatedConnection(
      'charges',
      {
        ...newestFirstPages('Charge'),
        description: `Charges, newest first (default ${PAGE_SIZE.default}, at most ${PAGE_SIZE.max} a page).`,
      },
      totalCountField,
    ),
    events: t.relatedConnection(
      'events',
      {
        ...newestFirstPages('Event'),
        description: `What happened to the customer, newest first; kept after deletion, without personal values (default ${PAGE_SIZE.default}, at most ${PAGE_SIZE.max} a page).`,
      },
      totalCountField,
    ),
  }),
});

keyedById(CustomerRef, 'Customer');

// Queries

const DateTimeFilter = builder.inputType('DateTimeFilter', {
  description: 'A range of instants; every bound given must hold.',
  fields: (t) => ({
    gt: t.field({ type: 'DateTime', description: 'Strictly after.' }),
    gte: t.field({ type: 'DateTime', description: 'At or after.' }),
    lt: t.field({ type: 'DateTime', description: 'Strictly before.' }),
    lte: t.field({ type: 'DateTime', description: 'At or before.' }),
  }),
});

const MetadataFilter = builder.inputType('MetadataFilter', {
  description: 'A metadata key that must hold exactly this value.',
  fields: (t) => ({
    key: t.string({ required: true, description: 'Metadata key.' }),
    value: t.string({ required: true, description: 'Exact value.' }),
  }),
});

const CustomerFilterInput = builder.inputType('CustomerFilter', {
  description: 'Which customers to list; every condition given must hold.',
  fields: (t) => ({
    email: t.string({
      description:
        "Email, compared regardless of case (and of Unicode compatibility forms), as uniqueness compares it: at most one live customer matches. Stripe's list filter is case-sensitive.",
    }),
    search: t.string({
      description:
        'Case-insensitive substring of name, email, externalId or companyName, taken literally (% and _ are not wildcards). Terms of 3 characters or more are looked up in a trigram index.',
    }),
    createdAt: t.field({ type: DateTimeFilter, description: 'Creation time range; bounds from year 0001 to 9999.' }),
    metadata: t.field({
      type: [MetadataFilter],
      description: `Metadata key/value pairs that must all match: at most ${METADATA_LIMITS.keys}, keys up to ${METADATA_LIMITS.keyLength} characters, values up to ${METADATA_LIMITS.valueLength}.`,
    }),
    includeDeleted: t.boolean({ description: 'Also list deleted customers (as tombstones). Default false.' }),
  }),
});

const CustomerOrderField = builder.enumType('CustomerOrderField', {
  description: 'What to sort customers by; ties are broken by id.',
  values: {
    CREATED_AT: { value: 'createdAt' },
    UPDATED_AT: { value: 'updatedAt' },
    NAME: { value: 'name', description: 'Customers without a name come last.' },
    EMAIL: { value: 'email', description: 'Customers without an email come last.' },
  } as const,
});

const SortDirection = builder.enumType('SortDirection', {
  description: 'Sort direction.',
  values: { ASC: { value: 'asc' }, DESC: { value: 'desc' } } as const,
});

const CustomerOrderInput = builder.inputType('CustomerOrder', {
  description: 'Sort order of a customer list. Default: CREATED_AT DESC (newest first).',
  fields: (t) => ({
    field: t.field({ type: CustomerOrderField, required: true, description: 'What to sort by.' }),
    direction: t.field({ type: SortDirection, required: true, description: 'Which way.' }),
  }),
});

type ListArgs = { filter?: CustomerFilter | null; orderBy?: CustomerOrder | null };

builder.queryFields((t) => ({
  customer: t.prismaField({
    type: 'Customer',
    nullable: true,
    description:
      "A customer by id; null when no customer of the caller's account and environment has it. A deleted one reads as a tombstone.",
    args: { id: t.arg.id({ required: true, description: "The customer's id, `cus_…`." }) },
    ...findOne('Customer', (args) => ({ id: String(args.id) })),
  }),
  customers: t.prismaConnection(
    {
      type: 'Customer',
      description: `Customers of the caller's account and environment, newest first by default. Pages are keyset-paginated: a page deep in the list costs what the first does. Default ${PAGE_SIZE.default} a page, at most ${PAGE_SIZE.max}.`,
      args: {
        filter: t.arg({ type: CustomerFilterInput, description: 'Which customers to list.' }),
        orderBy: t.arg({
          type: CustomerOrderInput,
          description: 'Sort order. A cursor names the customer it follows: the page starts after that customer in this order.',
        }),
      },
      ...findPage('Customer', {
        cursor: CUSTOMER_CURSOR,
        where: (args) => customerWhere((args as ListArgs).filter),
        orderBy: (args) => customerListOrder((args as ListArgs).orderBy),
        tally: (args) => customerTally((args as ListArgs).filter),
      }),
    },
    totalCountField,
  ),
  customerByExternalId: t.prismaField({
    type: 'Customer',
    nullable: true,
    description:
      "The live customer with this externalId (your own id for it, matched exactly); null when the caller's account and environment have none.",
    args: { externalId: t.arg.string({ required: true, description: 'Your own id of the customer.' }) },
    ...findOne('Customer', (args) => ({ externalId: String(args.externalId), deletedAt: null })),
  }),
}));

// Mutations

const AddressInput = builder.inputType('AddressInput', {
  description: 'A postal address; every field optional.',
  fields: (t) => ({
    line1: t.string({ description: `Street, PO box or company name (at most ${TEXT_LIMITS.addressLine} characters).` }),
    line2: t.string({ description: `Apartment, suite, unit or building (at most ${TEXT_LIMITS.addressLine}).` }),
    city: t.string({ description: `City (at most ${TEXT_LIMITS.city}).` }),
    state: t.string({ description: `State, county, province or region (at most ${TEXT_LIMITS.state}).` }),
    postalCode: t.string({ description: `ZIP or postal code (at most ${TEXT_LIMITS.postalCode}).` }),
    country: t.string({ description: 'ISO 3166-1 alpha-2 country code, e.g. US, DE (any case; stored uppercase).' }),
  }),
});

const ShippingInput = builder.inputType('ShippingInput', {
  description: 'Shipping details; name and address are required.',
  fields: (t) => ({
    name: t.string({ description: `Recipient name (required; at most ${TEXT_LIMITS.name}).` }),
    phone: t.string({ description: 'Recipient phone.' }),
    address: t.field({ type: AddressInput, description: 'Shipping address (required).' }),
  }),
});

const TaxIdInput = builder.inputType('TaxIdInput', {
  description: 'A tax id.',
  fields: (t) => ({
    type: t.string({ required: true, description: 'Kind, e.g. eu_vat, us_ein.' }),
    value: t.string({ required: true, description: 'The number.' }),
  }),
});

const customerInputFields = (t: PothosSchemaTypes.InputFieldBuilder<SchemaTypes, 'InputObject'>) => ({
  externalId: t.string({
    description: `Your own id for the customer (at most ${TEXT_LIMITS.externalId}); unique per account and environment.`,
  }),
  name: t.string({ description: `Full name or business name (at most ${TEXT_LIMITS.name} characters).` }),
  email: t.string({
    description: `Email address (at most ${TEXT_LIMITS.email}), without spaces, invisible or control characters (INVALID); unique among live customers of the account and environment regardless of case (EMAIL_TAKEN).`,
  }),
  phone: t.string({ description: `Phone number (at most ${TEXT_LIMITS.phone}: digits, spaces, + ( ) . / -).` }),
  description: t.string({ description: `Free text (at most ${TEXT_LIMITS.description}).` }),
  companyName: t.string({ description: `Company name (at most ${TEXT_LIMITS.companyName}).` }),
  taxId: t.string({ description: `Primary tax number (at most ${TEXT_LIMITS.taxId}).` }),
  address: t.field({
    type: AddressInput,
    description:
      'Billing address. On update the lines given replace theirs and the others stay (a line given null is cleared); null clears the address.',
  }),
  shipping: t.field({ type: ShippingInput, description: 'Shipping details; on update they merge as address does; null clears them.' }),
  metadata: t.field({
    type: 'JSONObject',
    description: `Key/value strings. On update they merge into the stored metadata: "" (or null) as a value removes that key, and metadata: null removes every key. At most ${METADATA_LIMITS.keys} keys, keys up to ${METADATA_LIMITS.keyLength} characters without [ ], values up to ${METADATA_LIMITS.valueLength}.`,
  }),
  locale: t.string({ description: 'Preferred locale, like en or fr-FR (fr_FR is read as fr-FR); stored in its BCP 47 form.' }),
  preferredLocales: t.stringList({
    description: `Locales in order of preference, each like en or fr-FR, stored in their BCP 47 form (at most ${LIST_LIMITS.preferredLocales}).`,
  }),
  currency: t.string({
    description:
      'ISO 4217 currency code (any case; stored uppercase). Cannot change once the customer has invoices, charges or a non-zero account balance (CURRENCY_LOCKED).',
  }),
  accountBalance: t.field({
    type: 'BigInt',
    description: 'Balance in minor units: negative is credit, positive is owed; a 64-bit signed integer (beyond it, TOO_LARGE).',
  }),
  invoicePrefix: t.string({ description: `3 to ${TEXT_LIMITS.invoicePrefix} uppercase letters or digits; unique per account.` }),
  nextInvoiceSequence: t.int({ description: 'Sequence of the next invoice, at least 1.' }),
  taxExempt: t.field({ type: TaxExemptEnum, description: 'Tax exemption.' }),
  taxIds: t.field({ type: [TaxIdInput], description: `Tax ids (at most ${LIST_LIMITS.taxIds}).` }),
  fingerprint: t.string({ description: `Device fingerprint (at most ${TEXT_LIMITS.fingerprint}).` }),
  stripeId: t.string({ description: 'The Stripe customer id.' }),
  sendEmailReceipts: t.boolean({ description: 'Whether receipts are emailed.' }),
});

const CreateCustomerInput = builder.inputType('CreateCustomerInput', {
  description: `A new customer. Every field is optional, as in Stripe. With an Idempotency-Key header (at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters), a retry creates it once.`,
  fields: (t) => customerInputFields(t),
});

const UpsertCustomerInput = builder.inputType('UpsertCustomerInput', {
  description: `A customer by your own id: created when no live customer has this externalId, else updated (fields left out stay as they are). With an Idempotency-Key header (at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters), a retry runs once.`,
  fields: (t) => ({
    ...customerInputFields(t),
    externalId: t.string({
      required: true,
      description: `Your own id for the customer (at most ${TEXT_LIMITS.externalId}); unique per account and environment.`,
    }),
  }),
});

const UpdateCustomerInput = builder.inputType('UpdateCustomerInput', {
  description: 'Changes to a customer. A field left out stays as it is; null clears it.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The customer to change.' }),
    expectedVersion: t.int({ description: 'Refuse with VERSION_CONFLICT unless the customer is at this version.' }),
    ...customerInputFields(t),
  }),
});

const DeleteCustomerInput = builder.inputType('DeleteCustomerInput', {
  description: 'The customer to delete.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The customer to delete.' }),
    expectedVersion: t.int({ description: 'Refuse with VERSION_CONFLICT unless the customer is at this version.' }),
  }),
});

const CustomerPayload = builder.objectRef<CustomerPayloadShape>('CustomerPayload').implement({
  description: 'The customer as written, or userErrors saying why nothing was written.',
  fields: (t) => ({
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The customer; null when userErrors is not empty.',
      resolve: (payload) => payload.customer,
    }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why the input was refused; empty on success.',
      resolve: (payload) => payload.userErrors,
    }),
  }),
});

const UpsertCustomerPayload = builder.objectRef<UpsertPayload>('UpsertCustomerPayload').implement({
  description: 'The customer as written and whether it was created, or userErrors saying why nothing was written.',
  fields: (t) => ({
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The customer; null when userErrors is not empty.',
      resolve: (payload) => payload.customer,
    }),
    created: t.exposeBoolean('created', { description: 'True when this call created the customer; false when it updated one.' }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why the input was refused; empty on success.',
      resolve: (payload) => payload.userErrors,
    }),
  }),
});

const DeleteCustomerPayload = builder.objectRef<DeletePayload>('DeleteCustomerPayload').implement({
  description: 'The id of the deleted customer, or userErrors saying why nothing was deleted.',
  fields: (t) => ({
    deletedCustomerId: t.exposeID('deletedCustomerId', {
      nullable: true,
      description: 'Id of the customer deleted; null when userErrors is not empty.',
    }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why nothing was deleted; empty on success.',
      resolve: (payload) => payload.userErrors,
    }),
  }),
});

builder.mutationFields((t) => ({
  createCustomer: t.field({
    type: CustomerPayload,
    description: 'Creates a customer and its CUSTOMER_CREATED event in one transaction.',
    args: { input: t.arg({ type: CreateCustomerInput, required: true, description: 'The new customer.' }) },
    resolve: (_root, { input }, ctx) => createCustomer(ctx, input as CustomerFieldsInput),
  }),
  upsertCustomer: t.field({
    type: UpsertCustomerPayload,
    description:
      'Creates the customer with this externalId, or updates the live one that has it, in one transaction with its event (CUSTOMER_CREATED or CUSTOMER_UPDATED). Concurrent upserts of one externalId leave one customer.',
    args: { input: t.arg({ type: UpsertCustomerInput, required: true, description: 'The customer, by your own id.' }) },
    resolve: (_root, { input }, ctx) => upsertCustomer(ctx, input as CustomerFieldsInput & { externalId: string }),
  }),
  updateCustomer: t.field({
    type: CustomerPayload,
    description: 'Changes a customer and records a CUSTOMER_UPDATED event with each changed field before and after.',
    args: { input: t.arg({ type: UpdateCustomerInput, required: true, description: 'Which customer, and what to change.' }) },
    resolve: (_root, { input }, ctx) =>
      updateCustomer(ctx, { ...(input as CustomerFieldsInput), id: String(input.id), expectedVersion: input.expectedVersion }),
  }),
  deleteCustomer: t.field({
    type: DeleteCustomerPayload,
    description:
      'Deletes a customer as Stripe does: its subscriptions are canceled, its personal data is erased everywhere (its events included); a tombstone with its invoices, charges and history stays.',
    args: { input: t.arg({ type: DeleteCustomerInput, required: true, description: 'Which customer.' }) },
    resolve: (_root, { input }, ctx) => deleteCustomer(ctx, { id: String(input.id), expectedVersion: input.expectedVersion }),
  }),
}));
