import { scoped } from '../data/tenant.ts';
import { type UserError, UserErrors, userError } from '../domain/errors.ts';
import { newId, randomToken } from '../domain/ids.ts';
import type { Prisma, Referral, ReferralCode } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';
import { recordEvent } from './events.ts';
import { once } from './idempotency.ts';
import { asPayload, checkId, checkKey, isUniqueViolation, lockLiveCustomer } from './service.ts';

type Db = Prisma.TransactionClient;

/**
 * What the referrer earns when its code is redeemed. Programmes are not configured here yet: each
 * redemption earns 10 % off the referrer's next invoice.
 */
const REFERRAL_REWARD = { type: 'PERCENTAGE_DISCOUNT', percentOff: 10, duration: 'ONCE' } as const;

/** Codes people type: upper-case letters and digits. */
const CODE_LENGTH = 8;
const newCode = () => randomToken(CODE_LENGTH).toUpperCase();

export interface ReferralCodePayload {
  referralCode: ReferralCode | null;
  userErrors: UserError[];
}

/** The customer's code in a programme: made on first ask, the same code after. */
export async function createReferralCode(ctx: Context, input: { customerId: string; programId: string }): Promise<ReferralCodePayload> {
  const errors: UserError[] = [];
  checkId(['input', 'customerId'], input.customerId, 'Customer', errors);
  checkKey(['input', 'programId'], input.programId, errors);
  if (errors.length) return { referralCode: null, userErrors: errors };
  const create = async (tx: Db): Promise<ReferralCodePayload> => {
    const customer = await lockLiveCustomer(tx, ctx, input.customerId, ['input', 'customerId']);
    const existing = await tx.referralCode.findFirst({
      where: scoped('ReferralCode', ctx.caller, { customerId: customer.id, programId: input.programId }),
    });
    if (existing) return { referralCode: existing, userErrors: [] };
    // A code is unique per account and environment; a clash (one in 36^8) takes another.
    for (;;) {
      const code = newCode();
      const clash = await tx.referralCode.findFirst({ where: scoped('ReferralCode', ctx.caller, { code }) });
      if (clash) continue;
      const referralCode = await tx.referralCode.create({
        data: {
          id: newId('ReferralCode'),
          accountId: ctx.caller.accountId,
          env: ctx.caller.env,
          customerId: customer.id,
          programId: input.programId,
          code,
        },
      });
      await recordEvent(tx, ctx, customer.id, 'REFERRAL_CODE_CREATED', {
        referralCodeId: referralCode.id,
        programId: input.programId,
        code,
      });
      return { referralCode, userErrors: [] };
    }
  };
  const result = await asPayload(() =>
    ctx.prisma.$transaction((tx) =>
      once(tx, ctx, 'createReferralCode', input, () => create(tx), {
        remember: (payload) => ({ referralCodeId: payload.referralCode?.id ?? null }),
        recall: async ({ referralCodeId }, replayTx) => ({
          referralCode: await replayTx.referralCode.findFirst({ where: scoped('ReferralCode', ctx.caller, { id: referralCodeId ?? '' }) }),
          userErrors: [],
        }),
      }),
    ),
  );
  return { referralCode: null, ...result };
}

export interface RedeemPayload {
  referral: Referral | null;
  userErrors: UserError[];
}

/**
 * Redeems a code for a customer: the referral and the referrer's reward, with the referrer's event,
 * in one transaction. The redeeming customer is locked, so that two redemptions of one programme
 * by it cannot both pass.
 */
export async function redeemReferralCode(ctx: Context, input: { code: string; customerId: string }): Promise<RedeemPayload> {
  const errors: UserError[] = [];
  checkId(['input', 'customerId'], input.customerId, 'Customer', errors);
  if (input.code.length === 0 || input.code.length > 64)
    errors.push(userError(['input', 'code'], 'INVALID', 'code must be 1 to 64 characters'));
  if (errors.length) return { referral: null, userErrors: errors };
  const redeem = async (tx: Db): Promise<RedeemPayload> => {
    const redeemer = await lockLiveCustomer(tx, ctx, input.customerId, ['input', 'customerId']);
    const code = await tx.referralCode.findFirst({
      where: scoped('ReferralCode', ctx.caller, { code: input.code.toUpperCase(), customer: { deletedAt: null } }),
    });
    if (!code) throw new UserErrors([userError(['input', 'code'], 'NOT_FOUND', `No referral code "${input.code}"`)]);
    if (code.customerId === redeemer.id) {
      throw new UserErrors([userError(['input', 'code'], 'SELF_REFERRAL', 'A customer cannot redeem its own referral code')]);
    }
    const earlier = await tx.referral.findFirst({
      where: scoped('Referral', ctx.caller, { referredCustomerId: redeemer.id, programId: code.programId }),
    });
    if (earlier) {
      throw new UserErrors([
        userError(['input', 'code'], 'ALREADY_REDEEMED', `The customer already redeemed a code of programme "${code.programId}"`),
      ]);
    }
    const at = new Date();
    const reward = await tx.reward.create({
      data: { id: newId('Reward'), customerId: code.customerId, code: code.code, ...REFERRAL_REWARD, createdAt: at },
    });
    const referral = await tx.referral.create({
      data: {
        id: newId('Referral'),
        customerId: code.customerId,
        programId: code.programId,
        code: code.code,
        referredCustomerId: redeemer.id,
        rewardId: reward.id,
        redeemedAt: at,
        createdAt: at,
      },
    });
    await recordEvent(tx, ctx, code.customerId, 'REFERRAL_REDEEMED', {
      referralId: referral.id,
      programId: code.programId,
      referredCustomerId: redeemer.id,
      rewardId: reward.id,
    });
    return { referral, userErrors: [] };
  };
  const result = await asPayload(
    () =>
      ctx.prisma.$transaction((tx) =>
        once(tx, ctx, 'redeemReferralCode', input, () => redeem(tx), {
          remember: (payload) => ({ referralId: payload.referral?.id ?? null }),
          recall: async ({ referralId }, replayTx) => ({
            referral: await replayTx.referral.findFirst({ where: scoped('Referral', ctx.caller, { id: referralId ?? '' }) }),
            userErrors: [],
          }),
        }),
      ),
    (error) =>
      isUniqueViolation(error) ? userError(['input', 'code'], 'ALREADY_REDEEMED', 'The customer already redeemed this code') : undefined,
  );
  return { referral: null, ...result };
}
