import { IDEMPOTENCY_KEY_MAX_LENGTH, TEXT_LIMITS } from '../config/limits.ts';
import { findReference } from '../data/reads.ts';
import { scoped } from '../data/tenant.ts';
import {
  createReferralCode,
  type RedeemPayload,
  type ReferralCodePayload as ReferralCodePayloadShape,
  redeemReferralCode,
} from '../resolvers/referrals.ts';
import { builder } from './builder.ts';
import { CustomerRef } from './customer.ts';
import { RewardRef } from './reward.ts';
import { UserErrorRef } from './user-error.ts';

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
    customer: t.relation('customer', { description: 'The referrer: the customer whose code was redeemed.' }),
  }),
});

export const ReferralCodeRef = builder.prismaObject('ReferralCode', {
  description: "A customer's code in a referral programme; a friend who redeems it earns the customer a reward.",
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('ReferralCode', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `rcd_…`; also its global id.' }),
    code: t.exposeString('code', { description: 'The code to share: 8 upper-case letters and digits.' }),
    programId: t.exposeString('programId', { description: 'The referral programme.' }),
    customer: t.relation('customer', { description: 'The customer whose code it is.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was made.' }),
  }),
});

const ReferralCodePayload = builder.objectRef<ReferralCodePayloadShape>('ReferralCodePayload').implement({
  description: 'The referral code, or userErrors saying why none was made.',
  fields: (t) => ({
    referralCode: t.field({
      type: ReferralCodeRef,
      nullable: true,
      description: 'The code; null when userErrors is not empty.',
      resolve: (p) => p.referralCode,
    }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why the input was refused; empty on success.',
      resolve: (p) => p.userErrors,
    }),
  }),
});

const RedeemReferralCodePayload = builder.objectRef<RedeemPayload>('RedeemReferralCodePayload').implement({
  description: 'The referral recorded, or userErrors saying why the code was not redeemed.',
  fields: (t) => ({
    referral: t.field({
      type: ReferralRef,
      nullable: true,
      description: "The referral, on the referrer, with the referrer's reward; null when userErrors is not empty.",
      resolve: (p) => p.referral,
    }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why the code was not redeemed; empty on success.',
      resolve: (p) => p.userErrors,
    }),
  }),
});

const CreateReferralCodeInput = builder.inputType('CreateReferralCodeInput', {
  description: `Whose code, in which programme. A customer has one code per programme: asking again answers the same code. With an Idempotency-Key header (at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters), a retry runs once.`,
  fields: (t) => ({
    customerId: t.id({ required: true, description: 'The referrer, `cus_…`.' }),
    programId: t.string({ required: true, description: `The programme, e.g. "friends" (at most ${TEXT_LIMITS.key} characters).` }),
  }),
});

const RedeemReferralCodeInput = builder.inputType('RedeemReferralCodeInput', {
  description: 'A code and the customer redeeming it.',
  fields: (t) => ({
    code: t.string({ required: true, description: 'The code (any case).' }),
    customerId: t.id({
      required: true,
      description: 'The customer redeeming it, `cus_…`: not its owner (SELF_REFERRAL), once per programme (ALREADY_REDEEMED).',
    }),
  }),
});

builder.mutationFields((t) => ({
  createReferralCode: t.field({
    type: ReferralCodePayload,
    description: "Makes the customer's code in a programme (or answers the one it has), with its REFERRAL_CODE_CREATED event.",
    args: { input: t.arg({ type: CreateReferralCodeInput, required: true, description: 'Whose code, in which programme.' }) },
    resolve: (_root, { input }, ctx) => createReferralCode(ctx, { customerId: String(input.customerId), programId: input.programId }),
  }),
  redeemReferralCode: t.field({
    type: RedeemReferralCodePayload,
    description:
      "Redeems a code for a customer: the referral and the referrer's reward (10 % off once), with the referrer's REFERRAL_REDEEMED event, in one transaction.",
    args: { input: t.arg({ type: RedeemReferralCodeInput, required: true, description: 'The code and who redeems it.' }) },
    resolve: (_root, { input }, ctx) => redeemReferralCode(ctx, { code: input.code, customerId: String(input.customerId) }),
  }),
}));
