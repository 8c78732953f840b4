import { IDEMPOTENCY_KEY_MAX_LENGTH } from '../config/limits.ts';
import { compiledValue } from '../data/compiled-read/declare.ts';
import { scoped } from '../data/tenant.ts';
import { asOf, nextResetAtSql, usageAtSql } from '../domain/usage.ts';
import { ResetInterval } from '../generated/prisma/enums.ts';
import { type Access, type BalancePayload, setUsage, trackUsage } from '../resolvers/usage.ts';
import { builder, type SchemaTypes } from './builder.ts';
import { UserErrorRef } from './user-error.ts';

export const ResetIntervalEnum = builder.enumType(ResetInterval, {
  name: 'ResetInterval',
  description: "How often a balance's usage resets; ONE_OFF never resets.",
});

export const BalanceRef = builder.prismaObject('Balance', {
  description: "What is left of a feature's allowance (API calls, seats, credits), keyed by feature id.",
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Balance', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `bal_…`; also its global id.' }),
    featureId: t.exposeString('featureId', { description: 'The metered feature, e.g. "api_calls".' }),
    granted: t.expose('granted', { type: 'BigInt', description: 'Usage included in the period.' }),
    usage: t.field({
      type: 'BigInt',
      description: 'Usage so far in the period: 0 once nextResetAt has passed, whether or not the reset was stored yet.',
      resolve: (balance) => asOf(balance, new Date()).usage,
      extensions: compiledValue((sql) => usageAtSql(sql.column)),
    }),
    remaining: t.field({
      type: 'BigInt',
      description: 'granted − usage. Negative when usage went past the allowance (with overage allowed).',
      resolve: (balance) => balance.granted - asOf(balance, new Date()).usage,
      // numeric: the difference of two 64-bit numbers can be beyond 64 bits.
      extensions: compiledValue((sql) => `${sql.column('granted')}::numeric - ${usageAtSql(sql.column)}`),
    }),
    unlimited: t.exposeBoolean('unlimited', { description: 'True when usage is not limited; granted and remaining then mean nothing.' }),
    overageAllowed: t.exposeBoolean('overageAllowed', { description: 'True when usage may go past the allowance (billed as overage).' }),
    interval: t.expose('interval', { type: ResetIntervalEnum, description: 'How often usage resets.' }),
    nextResetAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When usage next resets (always ahead: a passed reset counts as done); null for ONE_OFF.',
      resolve: (balance) => asOf(balance, new Date()).nextResetAt,
      extensions: compiledValue((sql) => nextResetAtSql(sql.column)),
    }),
    entityId: t.exposeString('entityId', { nullable: true, description: 'The entity it belongs to; null for the customer itself.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    customer: t.relation('customer', { description: 'The customer it belongs to.' }),
    entity: t.relation('entity', { nullable: true, description: 'The entity it belongs to; null for the customer itself.' }),
  }),
});

const AccessCodeEnum = builder.enumType('AccessCode', {
  description: 'Why access is refused.',
  values: {
    NO_BALANCE: { description: 'The customer (or entity) has no balance of the feature.' },
    INSUFFICIENT_BALANCE: { description: 'Less is left than required, and the balance allows no overage.' },
  } as const,
});

export const AccessRef = builder.objectRef<Access>('Access').implement({
  description: 'Whether a feature may be used now, by the balance as it is (reset if due); nothing is written.',
  fields: (t) => ({
    allowed: t.exposeBoolean('allowed', {
      description: 'True when the balance is unlimited, allows overage, or has the required amount left.',
    }),
    code: t.expose('code', { type: AccessCodeEnum, nullable: true, description: 'Why not; null when allowed.' }),
    balance: t.field({
      type: BalanceRef,
      nullable: true,
      description: 'The balance checked; null without one.',
      resolve: (access) => access.balance,
    }),
  }),
});

const BalancePayloadRef = builder.objectRef<BalancePayload>('BalancePayload').implement({
  description: 'The balance as metered, or userErrors saying why nothing changed.',
  fields: (t) => ({
    balance: t.field({
      type: BalanceRef,
      nullable: true,
      description: 'The balance; null when userErrors is not empty.',
      resolve: (p) => p.balance,
    }),
    userErrors: t.field({ type: [UserErrorRef], description: 'Why nothing changed; empty on success.', resolve: (p) => p.userErrors }),
  }),
});

const meterFields = (t: PothosSchemaTypes.InputFieldBuilder<SchemaTypes, 'InputObject'>) => ({
  customerId: t.id({ required: true, description: 'The customer, `cus_…`.' }),
  featureId: t.string({ required: true, description: 'The feature, e.g. "api_calls".' }),
  entityId: t.id({ description: "An entity of the customer, `ent_…`: its balance instead of the customer's own." }),
});

const TrackUsageInput = builder.inputType('TrackUsageInput', {
  description: `Usage to add to a balance. With an Idempotency-Key header (at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters), a retried track counts once.`,
  fields: (t) => ({
    ...meterFields(t),
    value: t.field({
      type: 'BigInt',
      defaultValue: 1n,
      description: 'How much to add (default 1); negative credits usage back; not 0.',
    }),
  }),
});

const SetUsageInput = builder.inputType('SetUsageInput', {
  description: 'Usage to set a balance to, such as seats in use or storage held.',
  fields: (t) => ({
    ...meterFields(t),
    usage: t.field({ type: 'BigInt', required: true, description: 'The usage, 0 or more.' }),
  }),
});

builder.mutationFields((t) => ({
  trackUsage: t.field({
    type: BalancePayloadRef,
    description:
      'Adds usage to a balance, with its USAGE_TRACKED event. The check and the deduction are one statement: past what is left, without overage, it is refused with INSUFFICIENT_BALANCE and nothing changes; an unlimited balance never refuses.',
    args: { input: t.arg({ type: TrackUsageInput, required: true, description: 'Which balance, and how much.' }) },
    resolve: (_root, { input }, ctx) =>
      trackUsage(ctx, {
        customerId: String(input.customerId),
        featureId: input.featureId,
        entityId: input.entityId?.toString(),
        value: input.value,
      }),
  }),
  setUsage: t.field({
    type: BalancePayloadRef,
    description:
      'Sets the usage of a balance, with its USAGE_SET event; past the grant without overage it is refused with INSUFFICIENT_BALANCE.',
    args: { input: t.arg({ type: SetUsageInput, required: true, description: 'Which balance, and its usage.' }) },
    resolve: (_root, { input }, ctx) =>
      setUsage(ctx, {
        customerId: String(input.customerId),
        featureId: input.featureId,
        entityId: input.entityId?.toString(),
        usage: input.usage,
      }),
  }),
}));
