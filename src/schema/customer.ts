import { type GraphQLObjectType, type GraphQLResolveInfo, getArgumentValues } from 'graphql';
import type { EntityList } from '../data/loaders.ts';
import type { Customer } from '../generated/prisma/client.ts';
import { Environment, TaxExempt } from '../generated/prisma/enums.ts';
import type { Context } from '../resolvers/context.ts';
import type { CustomerFieldsInput } from '../resolvers/customer-input.ts';
import {
  type CustomerPayload as CustomerPayloadShape,
  createCustomer,
  type DeletePayload,
  deleteCustomer,
  listCustomers,
  updateCustomer,
} from '../resolvers/customers.ts';
import { type Page, type PageArgs, pageRequest, toPage } from '../resolvers/pagination.ts';
import { BalanceRef } from './balance.ts';
import { builder, type SchemaTypes } from './builder.ts';
import { ChargeRef } from './charge.ts';
import { EntityRef } from './entity.ts';
import { EventRef } from './event.ts';
import { InvoiceRef } from './invoice.ts';
import { MoneyRef } from './money.ts';
import { keyedById } from './node-entity.ts';
import { PaymentMethodRef } from './payment-method.ts';
import { PurchaseRef } from './purchase.ts';
import { ReferralRef } from './referral.ts';
import { RewardRef } from './reward.ts';
import { type Selection, selectedFieldNodes, selects } from './selection.ts';
import { SubscriptionRef } from './subscription.ts';
import { TrialUsedRef } from './trial.ts';
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
    address: t.field({ type: AddressRef, nullable: true, description: 'Shipping address.', resolve: (s) => s.address }),
  }),
});

const TaxIdRef = builder.objectRef<{ type: string; value: string }>('TaxId').implement({
  description: 'A tax identification number, as Stripe types them.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'Kind of tax id, e.g. eu_vat, us_ein, gb_vat.' }),
    value: t.exposeString('value', { description: 'The number itself.' }),
  }),
});

const MetadataEntryRef = builder.objectRef<[string, string]>('MetadataEntry').implement({
  description: 'One key/value pair of metadata.',
  fields: (t) => ({
    key: t.string({ description: 'The key.', resolve: ([key]) => key }),
    value: t.string({ description: 'The value.', resolve: ([, value]) => value }),
  }),
});

const CustomerStatsRef = builder.objectRef<Customer>('CustomerStats').implement({
  description: "Aggregates over a customer's invoices and charges, computed when asked for.",
  fields: (t) => ({
    invoiceCount: t.int({
      description: 'Number of invoices, any status.',
      resolve: async (customer, _args, ctx) => (await ctx.loaders.stats.load(customer.id)).invoiceCount,
    }),
    chargeCount: t.int({
      description: 'Number of charges, any status.',
      resolve: async (customer, _args, ctx) => (await ctx.loaders.stats.load(customer.id)).chargeCount,
    }),
    totalSpent: t.field({
      type: MoneyRef,
      nullable: true,
      description:
        "Sum of SUCCEEDED charges in the customer's currency (or in the only currency charged, if the customer has none); null when nothing was charged in it. See totalSpentByCurrency for every currency.",
      resolve: async (customer, _args, ctx) => {
        const spent = (await ctx.loaders.stats.load(customer.id)).spentByCurrency;
        const currency = customer.currency ?? (spent.length === 1 ? spent[0].currency : null);
        return spent.find((s) => s.currency === currency) ?? (currency ? { currency, amount: 0n } : null);
      },
    }),
    totalSpentByCurrency: t.field({
      type: [MoneyRef],
      description: 'Sum of SUCCEEDED charges for each currency charged, by currency code.',
      resolve: async (customer, _args, ctx) => (await ctx.loaders.stats.load(customer.id)).spentByCurrency,
    }),
  }),
});

const isDeleted = (customer: Customer) => customer.deletedAt !== null;

const ENTITY_LISTS: EntityList[] = ['subscriptions', 'purchases', 'balances'];

/** Personal data reads as null on a deleted customer (a tombstone), whatever is stored. */
function personal<T>(read: (customer: Customer) => T) {
  return (customer: Customer): T | null => (isDeleted(customer) ? null : read(customer));
}

function emptyPage<T>(): Page<T> {
  return toPage<T>(
    [],
    { backward: false, limit: 0 },
    () => '',
    async () => 0,
  );
}

type RelationLoad = (customerId: string, args: Record<string, unknown>, ctx: Context, selection: Selection) => Promise<unknown>;

const pagedLoad =
  (relation: 'invoices' | 'charges' | 'events'): RelationLoad =>
  (customerId, args, ctx, selection) =>
    ctx.loaders.pagedChildren(relation, customerId, args as PageArgs, { withTotalCount: selects(selection, 'totalCount') });

/**
 * How each relation of a customer is read, by the customer's id. The relation's field resolves
 * with it, and the fields that take customer ids (customer, node, nodes, _entities) start the
 * reads of the relations selected under them with the customers' own (startRelationReads), so
 * that a customer asked for by id costs one round trip.
 */
const relationLoads = {
  subscriptions: (customerId, _args, ctx) => ctx.loaders.subscriptions.load(customerId),
  purchases: (customerId, _args, ctx) => ctx.loaders.purchases.load(customerId),
  balances: (customerId, _args, ctx) => ctx.loaders.balances.load(customerId),
  balance: (customerId, args, ctx) => ctx.loaders.balanceByFeature.load(customerId, args.featureId as string),
  entities: (customerId, _args, ctx, selection) =>
    ctx.loaders.entitiesWithLists(
      customerId,
      ENTITY_LISTS.filter((list) => selects(selection, list)),
    ),
  trialsUsed: (customerId, _args, ctx) => ctx.loaders.trialsUsed.load(customerId),
  rewards: (customerId, _args, ctx) => ctx.loaders.rewards.load(customerId),
  referrals: (customerId, _args, ctx, selection) =>
    ctx.loaders.referralsWith(customerId, {
      reward: selects(selection, 'reward'),
      referredCustomer: selects(selection, 'referredCustomer'),
    }),
  paymentMethod: (customerId, _args, ctx) => ctx.loaders.defaultPaymentMethod.load(customerId),
  // Read by the fields of stats; the stats field itself resolves to the customer.
  stats: (customerId, _args, ctx) => ctx.loaders.stats.load(customerId),
  invoices: pagedLoad('invoices'),
  charges: pagedLoad('charges'),
  events: pagedLoad('events'),
} satisfies Record<string, RelationLoad>;

/** A relation field's resolver: its load, or `whenDeleted` on a deleted customer. */
function relation(name: Exclude<keyof typeof relationLoads, 'stats'>, whenDeleted: () => unknown) {
  return (customer: Customer, args: object, ctx: Context, selection: Selection): never =>
    (isDeleted(customer) ? whenDeleted() : relationLoads[name](customer.id, args as Record<string, unknown>, ctx, selection)) as never;
}

function pagedChild(name: 'invoices' | 'charges' | 'events') {
  return (customer: Customer, args: PageArgs, ctx: Context, selection: Selection): never => {
    // A deleted customer's events stay readable: they are its history.
    if (isDeleted(customer) && name !== 'events') {
      pageRequest(args);
      return emptyPage() as never;
    }
    return relationLoads[name](customer.id, args as Record<string, unknown>, ctx, selection) as never;
  };
}

/**
 * Starts the reads of the relations that `info` (a field answering customers) selects on Customer,
 * for the customers with these ids, in the turn in which the customers themselves are read: they go
 * to the database in the same statement, and the relation fields find them in the loaders. A read
 * of a customer that is not the caller's finds nothing; a relation whose arguments are wrong
 * reports it when it resolves.
 */
export function startRelationReads(customerIds: string[], ctx: Context, info: GraphQLResolveInfo) {
  const customerFields = (info.schema.getType('Customer') as GraphQLObjectType).getFields();
  for (const node of selectedFieldNodes(info, { name: 'Customer', schema: info.schema })) {
    const name = node.name.value;
    if (!Object.hasOwn(relationLoads, name)) continue;
    try {
      const args = getArgumentValues(customerFields[name], node, info.variableValues);
      const selection = { fieldNodes: [node], fragments: info.fragments };
      for (const id of customerIds) relationLoads[name as keyof typeof relationLoads](id, args, ctx, selection).catch(() => {});
    } catch {
      // The field reports its own arguments' errors.
    }
  }
}

const totalCountField = {
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<SchemaTypes, object>) => ({
    totalCount: t.int({
      description: 'Number of items in the whole list, counted only when selected.',
      resolve: (connection) => (connection as Page<unknown>).totalCount(),
    }),
  }),
};

export const CustomerRef = builder.prismaObject('Customer', {
  description:
    'A customer of a merchant: who they are, what they subscribe to and bought, what they have left and what they paid. A deleted customer reads as a tombstone: id, deleted, deletedAt, and null personal data.',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `cus_…`; also its global id.' }),
    externalId: t.string({
      nullable: true,
      description: "The merchant's own id for the customer (Autumn's `id`), unique per account and environment.",
      resolve: personal((c) => c.externalId),
    }),
    name: t.string({ nullable: true, description: 'Full name or business name.', resolve: personal((c) => c.name) }),
    email: t.string({
      nullable: true,
      description:
        'Email address, as given. Unique among the live customers of an account and environment regardless of case (and of Unicode compatibility forms such as fullwidth letters); Stripe enforces no uniqueness at all.',
      resolve: personal((c) => c.email),
    }),
    phone: t.string({ nullable: true, description: 'Phone number.', resolve: personal((c) => c.phone) }),
    description: t.string({ nullable: true, description: "Free text for the merchant's staff.", resolve: personal((c) => c.description) }),
    companyName: t.string({ nullable: true, description: 'Company the customer buys for.', resolve: personal((c) => c.companyName) }),
    taxId: t.string({ nullable: true, description: 'Primary tax number, as printed on invoices.', resolve: personal((c) => c.taxId) }),
    address: t.field({
      type: AddressRef,
      nullable: true,
      description: 'Billing address.',
      resolve: personal((c) => c.address as Address | null),
    }),
    shipping: t.field({
      type: ShippingRef,
      nullable: true,
      description: 'Shipping name, phone and address.',
      resolve: personal((c) => c.shipping as never),
    }),
    metadata: t.field({
      type: 'JSONObject',
      nullable: true,
      description:
        "Key/value strings for the merchant's own use (at most 50 keys; keys up to 40 characters without [ ]; values up to 500).",
      resolve: personal((c) => c.metadata as Record<string, string>),
    }),
    metadataEntries: t.field({
      type: [MetadataEntryRef],
      nullable: true,
      description: 'The metadata as a list of entries sorted by key, for typed clients.',
      resolve: personal((c) => Object.entries(c.metadata as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1))),
    }),
    env: t.expose('env', { type: EnvironmentEnum, description: 'The environment the customer lives in.' }),
    livemode: t.boolean({ description: "True in LIVE, false in TEST (Stripe's livemode).", resolve: (c) => c.env === 'LIVE' }),
    locale: t.exposeString('locale', { nullable: true, description: "Preferred locale, like en_US (Mollie's locale)." }),
    preferredLocales: t.exposeStringList('preferredLocales', { description: 'Locales for emails and invoices, in order of preference.' }),
    currency: t.exposeString('currency', { nullable: true, description: 'ISO 4217 currency the customer is billed in, uppercase.' }),
    accountBalance: t.field({
      type: MoneyRef,
      nullable: true,
      description:
        "Credit (negative) or amount owed (positive) carried to the next invoice, Stripe's customer `balance` (named account_balance before 2019; `balance` here is a feature balance); null while the customer has no currency.",
      resolve: (c) => (c.currency ? { amount: c.balance, currency: c.currency } : null),
    }),
    accountBalanceMinorUnits: t.expose('balance', {
      type: 'BigInt',
      description: 'The account balance in minor units, also while no currency is set.',
    }),
    delinquent: t.exposeBoolean('delinquent', { description: 'True when the latest invoice payment failed.' }),
    invoicePrefix: t.string({
      nullable: true,
      description: 'Prefix of invoice numbers: 3 to 12 uppercase letters or digits, unique per account.',
      resolve: personal((c) => c.invoicePrefix),
    }),
    nextInvoiceSequence: t.exposeInt('nextInvoiceSequence', { description: 'Sequence number of the next invoice.' }),
    taxExempt: t.expose('taxExempt', { type: TaxExemptEnum, description: 'Tax exemption status.' }),
    taxIds: t.field({
      type: [TaxIdRef],
      nullable: true,
      description: 'Tax ids, as Stripe types them.',
      resolve: personal((c) => c.taxIds as { type: string; value: string }[]),
    }),
    fingerprint: t.exposeString('fingerprint', { nullable: true, description: 'Device fingerprint, to spot repeat trials (Autumn).' }),
    stripeId: t.exposeString('stripeId', { nullable: true, description: 'The matching Stripe customer id, `cus_…` in Stripe.' }),
    sendEmailReceipts: t.exposeBoolean('sendEmailReceipts', { description: 'Whether receipts are emailed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the customer was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the customer last changed.' }),
    deleted: t.boolean({ description: 'True for a deleted customer (a tombstone).', resolve: isDeleted }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true, description: 'When the customer was deleted.' }),
    version: t.exposeInt('version', {
      description: 'Goes up by one with every change; pass it as expectedVersion to update only what you read.',
    }),

    subscriptions: t.field({
      type: [SubscriptionRef],
      description: "The customer's own subscriptions (not its entities'), newest first.",
      resolve: relation('subscriptions', () => []),
    }),
    purchases: t.field({
      type: [PurchaseRef],
      description: "The customer's own one-off purchases, newest first.",
      resolve: relation('purchases', () => []),
    }),
    balances: t.field({
      type: [BalanceRef],
      description: "The customer's own feature balances, by feature id.",
      resolve: relation('balances', () => []),
    }),
    balance: t.field({
      type: BalanceRef,
      nullable: true,
      description: "The customer's own balance of one feature, or null when it has none.",
      args: { featureId: t.arg.string({ required: true, description: 'The feature, e.g. "api_calls".' }) },
      resolve: relation('balance', () => null),
    }),
    entities: t.field({
      type: [EntityRef],
      description: 'Seats or workspaces, newest first.',
      resolve: relation('entities', () => []),
    }),
    trialsUsed: t.field({
      type: [TrialUsedRef],
      description: 'Trials the customer has used, newest first.',
      resolve: relation('trialsUsed', () => []),
    }),
    rewards: t.field({
      type: [RewardRef],
      description: 'Discounts and free products granted, newest first.',
      resolve: relation('rewards', () => []),
    }),
    referrals: t.field({
      type: [ReferralRef],
      description: 'Referrals this customer made, newest first.',
      resolve: relation('referrals', () => []),
    }),
    paymentMethod: t.field({
      type: PaymentMethodRef,
      nullable: true,
      description: 'The default payment method.',
      resolve: relation('paymentMethod', () => null),
    }),
    stats: t.field({
      type: CustomerStatsRef,
      description: 'Invoice and charge counts and the total spent.',
      resolve: (c) => c,
    }),
    invoices: t.connection(
      { type: InvoiceRef, description: 'Invoices, newest first (default 10, at most 100 a page).', resolve: pagedChild('invoices') },
      totalCountField,
    ),
    charges: t.connection(
      { type: ChargeRef, description: 'Charges, newest first (default 10, at most 100 a page).', resolve: pagedChild('charges') },
      totalCountField,
    ),
    events: t.connection(
      {
        type: EventRef,
        description: 'What happened to the customer, newest first; kept after deletion (default 10, at most 100 a page).',
        resolve: pagedChild('events'),
      },
      totalCountField,
    ),
  }),
});

keyedById(CustomerRef, 'Customer', startRelationReads);

builder.prismaObjectField('Referral', 'referredCustomer', (t) =>
  t.field({
    type: CustomerRef,
    nullable: true,
    description: 'The customer who signed up with the code, once one has.',
    resolve: (referral, _args, ctx) => (referral.referredCustomerId ? ctx.loaders.customer.load(referral.referredCustomerId) : null),
  }),
);

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

const CustomerFilter = builder.inputType('CustomerFilter', {
  description: 'Which customers to list; every condition given must hold.',
  fields: (t) => ({
    email: t.string({
      description:
        "Email, compared regardless of case (and of Unicode compatibility forms), as uniqueness compares it: at most one live customer matches. Stripe's list filter is case-sensitive.",
    }),
    search: t.string({ description: 'Case-insensitive substring of name, email, externalId or companyName.' }),
    createdAt: t.field({ type: DateTimeFilter, description: 'Creation time range; bounds from year 0001 to 9999.' }),
    metadata: t.field({
      type: [MetadataFilter],
      description: 'Metadata key/value pairs that must all match: at most 50, keys up to 40 characters, values up to 500.',
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

const CustomerOrder = builder.inputType('CustomerOrder', {
  description: 'Sort order of a customer list. Default: CREATED_AT DESC (newest first).',
  fields: (t) => ({
    field: t.field({ type: CustomerOrderField, required: true, description: 'What to sort by.' }),
    direction: t.field({ type: SortDirection, required: true, description: 'Which way.' }),
  }),
});

builder.queryFields((t) => ({
  customer: t.field({
    type: CustomerRef,
    nullable: true,
    description:
      "A customer by id; null when no customer of the caller's account and environment has it. A deleted one reads as a tombstone.",
    args: { id: t.arg.id({ required: true, description: "The customer's id, `cus_…`." }) },
    resolve: (_root, args, ctx, info) => {
      const customer = ctx.loaders.customer.load(String(args.id));
      startRelationReads([String(args.id)], ctx, info);
      return customer;
    },
  }),
  customers: t.connection(
    {
      type: CustomerRef,
      description:
        "Customers of the caller's account and environment, newest first by default. Pages are keyset-paginated: a page deep in the list costs what the first does. Default 10 a page, at most 100.",
      args: {
        filter: t.arg({ type: CustomerFilter, description: 'Which customers to list.' }),
        orderBy: t.arg({ type: CustomerOrder, description: 'Sort order; cursors only work with the order and filter they came from.' }),
      },
      resolve: (_root, args, ctx) => listCustomers(ctx, args) as never,
    },
    totalCountField,
  ),
}));

// Mutations

const AddressInput = builder.inputType('AddressInput', {
  description: 'A postal address; every field optional.',
  fields: (t) => ({
    line1: t.string({ description: 'Street, PO box or company name (at most 200 characters).' }),
    line2: t.string({ description: 'Apartment, suite, unit or building (at most 200).' }),
    city: t.string({ description: 'City (at most 200).' }),
    state: t.string({ description: 'State, county, province or region (at most 200).' }),
    postalCode: t.string({ description: 'ZIP or postal code (at most 20).' }),
    country: t.string({ description: 'ISO 3166-1 alpha-2 country code, e.g. US, DE (any case; stored uppercase).' }),
  }),
});

const ShippingInput = builder.inputType('ShippingInput', {
  description: 'Shipping details; name and address are required.',
  fields: (t) => ({
    name: t.string({ description: 'Recipient name (required).' }),
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
  externalId: t.string({ description: 'Your own id for the customer; unique per account and environment.' }),
  name: t.string({ description: 'Full name or business name (at most 256 characters).' }),
  email: t.string({
    description:
      'Email address (at most 512), without spaces, invisible or control characters (INVALID); unique among live customers of the account and environment regardless of case (EMAIL_TAKEN).',
  }),
  phone: t.string({ description: 'Phone number (at most 30: digits, spaces, + ( ) . / -).' }),
  description: t.string({ description: 'Free text (at most 1000).' }),
  companyName: t.string({ description: 'Company name (at most 256).' }),
  taxId: t.string({ description: 'Primary tax number (at most 64).' }),
  address: t.field({ type: AddressInput, description: 'Billing address; null clears it.' }),
  shipping: t.field({ type: ShippingInput, description: 'Shipping details; null clears them.' }),
  metadata: t.field({
    type: 'JSONObject',
    description:
      'Key/value strings. On update they merge into the stored metadata: "" (or null) as a value removes that key, and metadata: null removes every key. At most 50 keys, keys up to 40 characters without [ ], values up to 500.',
  }),
  locale: t.string({ description: 'Preferred locale, like en_US.' }),
  preferredLocales: t.stringList({ description: 'Locales in order of preference, each like en_US (at most 10).' }),
  currency: t.string({ description: 'ISO 4217 currency code (any case; stored uppercase).' }),
  accountBalance: t.field({
    type: 'BigInt',
    description: 'Balance in minor units: negative is credit, positive is owed; a 64-bit signed integer (beyond it, TOO_LARGE).',
  }),
  invoicePrefix: t.string({ description: '3 to 12 uppercase letters or digits; unique per account.' }),
  nextInvoiceSequence: t.int({ description: 'Sequence of the next invoice, at least 1.' }),
  taxExempt: t.field({ type: TaxExemptEnum, description: 'Tax exemption.' }),
  taxIds: t.field({ type: [TaxIdInput], description: 'Tax ids (at most 5).' }),
  fingerprint: t.string({ description: 'Device fingerprint (at most 256).' }),
  stripeId: t.string({ description: 'The Stripe customer id.' }),
  sendEmailReceipts: t.boolean({ description: 'Whether receipts are emailed.' }),
});

const CreateCustomerInput = builder.inputType('CreateCustomerInput', {
  description: 'A new customer. Every field is optional, as in Stripe.',
  fields: (t) => customerInputFields(t),
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
  updateCustomer: t.field({
    type: CustomerPayload,
    description: 'Changes a customer and records a CUSTOMER_UPDATED event with each changed field before and after.',
    args: { input: t.arg({ type: UpdateCustomerInput, required: true, description: 'Which customer, and what to change.' }) },
    resolve: (_root, { input }, ctx) =>
      updateCustomer(ctx, { ...(input as CustomerFieldsInput), id: String(input.id), expectedVersion: input.expectedVersion }),
  }),
  deleteCustomer: t.field({
    type: DeleteCustomerPayload,
    description: 'Deletes a customer: personal data is erased, a tombstone and the event history stay.',
    args: { input: t.arg({ type: DeleteCustomerInput, required: true, description: 'Which customer.' }) },
    resolve: (_root, { input }, ctx) => deleteCustomer(ctx, { id: String(input.id), expectedVersion: input.expectedVersion }),
  }),
}));
