import { compiledObject } from '../data/compiled-read/declare.ts';
import { scoped } from '../data/tenant.ts';
import { RewardDuration, RewardType } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';
import { MoneyRef, moneyOfColumns } from './money.ts';

const RewardTypeEnum = builder.enumType(RewardType, { name: 'RewardType', description: 'What a reward gives.' });
const RewardDurationEnum = builder.enumType(RewardDuration, {
  name: 'RewardDuration',
  description: 'How long a discount applies: once, for durationInMonths, or forever.',
});

export const RewardRef = builder.prismaObject('Reward', {
  description: 'A discount or free product granted to a customer (a coupon, a referral reward).',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Reward', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `rwd_…`; also its global id.' }),
    code: t.exposeString('code', { description: 'The code the customer redeemed.' }),
    type: t.expose('type', { type: RewardTypeEnum, description: 'What it gives.' }),
    percentOff: t.exposeInt('percentOff', { nullable: true, description: 'Whole percent off, for PERCENTAGE_DISCOUNT.' }),
    amountOff: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'Amount off, for FIXED_DISCOUNT.',
      resolve: (reward) => (reward.amountOff != null && reward.currency ? { amount: reward.amountOff, currency: reward.currency } : null),
      extensions: compiledObject({
        when: (sql) => `${sql.column('amountOff')} IS NOT NULL AND ${sql.column('currency')} <> ''`,
        ...moneyOfColumns('amountOff', 'currency'),
      }),
    }),
    planId: t.exposeString('planId', { nullable: true, description: 'The plan given away, for FREE_PRODUCT.' }),
    duration: t.expose('duration', { type: RewardDurationEnum, description: 'How long it applies.' }),
    durationInMonths: t.exposeInt('durationInMonths', { nullable: true, description: 'Months it applies, for REPEATING.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it can no longer be used.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was granted.' }),
  }),
});
