import { builder } from './builder.ts';
import { RewardRef } from './reward.ts';

export const ReferralRef = builder.prismaObject('Referral', {
  description: 'A referral by this customer in a referral programme.',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `ref_…`; also its global id.' }),
    programId: t.exposeString('programId', { description: 'The referral programme.' }),
    code: t.exposeString('code', { description: 'The referral code shared.' }),
    reward: t.field({
      type: RewardRef,
      nullable: true,
      description: 'The reward earned, once granted.',
      resolve: (referral, _args, ctx) => (referral.rewardId ? (ctx.loaders.nodes.Reward.load(referral.rewardId) as never) : null),
    }),
    redeemedAt: t.expose('redeemedAt', { type: 'DateTime', nullable: true, description: 'When the code was redeemed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the referral was created.' }),
  }),
});
