import { findReference } from '../data/reads.ts';
import { scoped } from '../data/tenant.ts';
import { builder } from './builder.ts';
import { CustomerRef } from './customer.ts';
import { RewardRef } from './reward.ts';

export const ReferralRef = builder.prismaObject('Referral', {
  description: 'A referral by this customer in a referral programme.',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Referral', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `ref_…`; also its global id.' }),
    programId: t.exposeString('programId', { description: 'The referral programme.' }),
    code: t.exposeString('code', { description: 'The referral code shared.' }),
    reward: t.field({
      type: RewardRef,
      nullable: true,
      description: 'The reward earned, once granted.',
      ...findReference('Reward', 'rewardId'),
    }),
    referredCustomer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The customer who signed up with the code, once one has.',
      ...findReference('Customer', 'referredCustomerId'),
    }),
    redeemedAt: t.expose('redeemedAt', { type: 'DateTime', nullable: true, description: 'When the code was redeemed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the referral was created.' }),
  }),
});
