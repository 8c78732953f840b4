import { BILLING_LIMITS, TEXT_LIMITS } from '../config/limits.ts';
import { BIGINT_RANGE, fitsBigint } from '../data/column-ranges.ts';
import { scoped } from '../data/tenant.ts';
import { type UserError, UserErrors, userError } from '../domain/errors.ts';
import type { Plan, Prisma } from '../generated/prisma/client.ts';
import type { ResetInterval } from '../generated/prisma/enums.ts';
import type { Context } from './context.ts';
import { once } from './idempotency.ts';
import { asPayload, checkKey, invalid, isUniqueViolation } from './service.ts';

export interface PlanFeatureInput {
  featureId: string;
  included?: bigint | null;
  unlimited?: boolean | null;
  overageAllowed?: boolean | null;
  interval: ResetInterval;
}

export interface PlanInput {
  id: string;
  name?: string | null;
  features?: PlanFeatureInput[] | null;
}

export interface PlanPayload {
  plan: Plan | null;
  userErrors: UserError[];
}

function checkName(name: string | null | undefined, required: boolean, errors: UserError[]) {
  const field = ['input', 'name'];
  if (name == null) {
    if (required) errors.push(userError(field, 'REQUIRED', 'name is required'));
  } else if (name.trim().length === 0) {
    errors.push(invalid(field, 'must not be blank'));
  } else if (name.length > TEXT_LIMITS.planName) {
    errors.push(userError(field, 'TOO_LONG', `name must be at most ${TEXT_LIMITS.planName} characters, got ${name.length}`));
  }
}

function checkFeatures(features: PlanFeatureInput[], errors: UserError[]) {
  if (features.length > BILLING_LIMITS.featuresPerPlan) {
    errors.push(invalid(['input', 'features'], `can have at most ${BILLING_LIMITS.featuresPerPlan} features, got ${features.length}`));
  }
  const seen = new Set<string>();
  features.forEach((feature, i) => {
    const path = (name: string) => ['input', 'features', String(i), name];
    checkKey(path('featureId'), feature.featureId, errors);
    if (seen.has(feature.featureId)) errors.push(invalid(path('featureId'), `"${feature.featureId}" is listed twice`));
    seen.add(feature.featureId);
    const included = feature.included ?? 0n;
    if (!fitsBigint(included)) {
      errors.push(userError(path('included'), 'TOO_LARGE', `included must be at most ${BIGINT_RANGE.max}`));
    } else if (included < 0n) {
      errors.push(invalid(path('included'), 'must be 0 or more'));
    }
  });
}

const featureRows = (ctx: Context, planId: string, features: PlanFeatureInput[]): Prisma.PlanFeatureCreateManyInput[] =>
  features.map((feature) => ({
    accountId: ctx.caller.accountId,
    env: ctx.caller.env,
    planId,
    featureId: feature.featureId,
    included: feature.included ?? 0n,
    unlimited: feature.unlimited ?? false,
    overageAllowed: feature.overageAllowed ?? false,
    interval: feature.interval,
  }));

const planIdTaken = (error: unknown) =>
  isUniqueViolation(error)
    ? userError(['input', 'id'], 'PLAN_ID_TAKEN', 'This account and environment already have a plan with this id (archived ones included)')
    : undefined;

const planWhere = (ctx: Context, id: string) => scoped<Prisma.PlanWhereInput>('Plan', ctx.caller, { id });

async function findPlanOrFail(tx: Prisma.TransactionClient, ctx: Context, id: string): Promise<Plan> {
  const plan = await tx.plan.findFirst({ where: planWhere(ctx, id) });
  if (!plan) throw new UserErrors([userError(['input', 'id'], 'NOT_FOUND', `No plan with id "${id}"`)]);
  return plan;
}

export async function createPlan(ctx: Context, input: PlanInput): Promise<PlanPayload> {
  const errors: UserError[] = [];
  checkKey(['input', 'id'], input.id, errors);
  checkName(input.name, true, errors);
  checkFeatures(input.features ?? [], errors);
  if (errors.length) return { plan: null, userErrors: errors };
  const result = await asPayload(
    () =>
      ctx.prisma.$transaction((tx) =>
        once<PlanPayload>(
          tx,
          ctx,
          'createPlan',
          input,
          async () => {
            const count = await tx.plan.count({ where: scoped('Plan', ctx.caller) });
            if (count >= BILLING_LIMITS.plans) {
              throw new UserErrors([
                invalid(['input', 'id'], `cannot be added: an environment holds at most ${BILLING_LIMITS.plans} plans`),
              ]);
            }
            const plan = await tx.plan.create({
              data: { accountId: ctx.caller.accountId, env: ctx.caller.env, id: input.id, name: input.name! },
            });
            await tx.planFeature.createMany({ data: featureRows(ctx, plan.id, input.features ?? []) });
            return { plan, userErrors: [] };
          },
          {
            remember: (payload) => ({ planId: payload.plan?.id ?? null }),
            recall: async ({ planId }, replayTx) => ({
              plan: planId ? await replayTx.plan.findFirst({ where: planWhere(ctx, planId) }) : null,
              userErrors: [],
            }),
          },
        ),
      ),
    planIdTaken,
  );
  return { plan: null, ...result };
}

/** Changes a plan's name or features; subscriptions keep what they were granted when attached. */
export async function updatePlan(ctx: Context, input: PlanInput): Promise<PlanPayload> {
  const errors: UserError[] = [];
  checkName(input.name, false, errors);
  if (input.features != null) checkFeatures(input.features, errors);
  if (errors.length) return { plan: null, userErrors: errors };
  const result = await asPayload(() =>
    ctx.prisma.$transaction(async (tx) => {
      await findPlanOrFail(tx, ctx, input.id);
      const key = { accountId_env_id: { accountId: ctx.caller.accountId, env: ctx.caller.env, id: input.id } };
      const plan = await tx.plan.update({
        where: key,
        data: { updatedAt: new Date(), ...(input.name == null ? {} : { name: input.name }) },
      });
      if (input.features != null) {
        await tx.planFeature.deleteMany({ where: scoped('PlanFeature', ctx.caller, { planId: input.id }) });
        await tx.planFeature.createMany({ data: featureRows(ctx, input.id, input.features) });
      }
      return { plan, userErrors: [] };
    }),
  );
  return { plan: null, ...result };
}

/** Archives a plan: it stays on the subscriptions that have it, and can no longer be attached. */
export async function archivePlan(ctx: Context, input: { id: string }): Promise<PlanPayload> {
  const result = await asPayload(() =>
    ctx.prisma.$transaction(async (tx) => {
      const current = await findPlanOrFail(tx, ctx, input.id);
      if (current.archivedAt) return { plan: current, userErrors: [] };
      const key = { accountId_env_id: { accountId: ctx.caller.accountId, env: ctx.caller.env, id: input.id } };
      return { plan: await tx.plan.update({ where: key, data: { archivedAt: new Date() } }), userErrors: [] };
    }),
  );
  return { plan: null, ...result };
}
