import { compiledValue } from '../data/compiled-read/declare.ts';
import { scoped } from '../data/tenant.ts';
import { ResetInterval } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

const ResetIntervalEnum = builder.enumType(ResetInterval, {
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
    usage: t.expose('usage', { type: 'BigInt', description: 'Usage so far in the period.' }),
    remaining: t.field({
      type: 'BigInt',
      description: 'granted − usage. Negative when usage went past the allowance (with overage allowed).',
      resolve: (balance) => balance.granted - balance.usage,
      // numeric: the difference of two 64-bit numbers can be beyond 64 bits.
      extensions: compiledValue((sql) => `${sql.column('granted')}::numeric - ${sql.column('usage')}`),
    }),
    unlimited: t.exposeBoolean('unlimited', { description: 'True when usage is not limited; granted and remaining then mean nothing.' }),
    overageAllowed: t.exposeBoolean('overageAllowed', { description: 'True when usage may go past the allowance (billed as overage).' }),
    interval: t.expose('interval', { type: ResetIntervalEnum, description: 'How often usage resets.' }),
    nextResetAt: t.expose('nextResetAt', { type: 'DateTime', nullable: true, description: 'When usage next resets; null for ONE_OFF.' }),
    entityId: t.exposeString('entityId', { nullable: true, description: 'The entity it belongs to; null for the customer itself.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});
