import { BILLING_LIMITS, IDEMPOTENCY_KEY_MAX_LENGTH, TEXT_LIMITS } from '../config/limits.ts';
import { scoped } from '../data/tenant.ts';
import { archivePlan, createPlan, type PlanFeatureInput, type PlanPayload, updatePlan } from '../resolvers/plans.ts';
import { ResetIntervalEnum } from './balance.ts';
import { builder } from './builder.ts';
import { UserErrorRef } from './user-error.ts';

export const PlanFeatureRef = builder.prismaObject('PlanFeature', {
  description: 'What a plan grants of one feature, per unit of quantity.',
  fields: (t) => ({
    featureId: t.exposeString('featureId', { description: 'The feature, e.g. "api_calls".' }),
    included: t.expose('included', { type: 'BigInt', description: 'Usage granted per unit each interval.' }),
    unlimited: t.exposeBoolean('unlimited', { description: 'True when usage of it is not limited.' }),
    overageAllowed: t.exposeBoolean('overageAllowed', { description: 'True when usage may go past what is granted.' }),
    interval: t.expose('interval', { type: ResetIntervalEnum, description: 'How often usage resets; ONE_OFF never.' }),
  }),
});

export const PlanRef = builder.prismaObject('Plan', {
  description: "A plan of the merchant's catalog: the features a subscription to it grants.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Your own id for the plan, e.g. "pro".' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    features: t.relation('features', { description: 'What it grants, by feature id.', query: { orderBy: { featureId: 'asc' } } }),
    archived: t.boolean({
      description: 'True once archived: it stays on its subscriptions and cannot be attached.',
      resolve: (plan) => plan.archivedAt !== null,
    }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true, description: 'When it was archived.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

builder.queryFields((t) => ({
  plan: t.prismaField({
    type: 'Plan',
    nullable: true,
    description: "A plan of the caller's account and environment by its id (archived ones too); null when there is none.",
    args: { id: t.arg.id({ required: true, description: 'Its id, e.g. "pro".' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.plan.findFirst({ ...query, where: scoped('Plan', ctx.caller, { id: String(args.id) }) }),
  }),
  plans: t.prismaField({
    type: ['Plan'],
    description: `The catalog of the caller's account and environment, by id (at most ${BILLING_LIMITS.plans} plans).`,
    args: { includeArchived: t.arg.boolean({ defaultValue: false, description: 'Also list archived plans.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.plan.findMany({
        ...query,
        where: scoped('Plan', ctx.caller, args.includeArchived ? {} : { archivedAt: null }),
        orderBy: { id: 'asc' },
      }),
  }),
}));

const PlanFeatureInputRef = builder.inputType('PlanFeatureInput', {
  description: 'What a plan grants of one feature, per unit of quantity.',
  fields: (t) => ({
    featureId: t.string({
      required: true,
      description: `The feature, e.g. "api_calls" (at most ${TEXT_LIMITS.key} letters, digits and _ . : -).`,
    }),
    included: t.field({ type: 'BigInt', description: 'Usage granted per unit each interval (default 0).' }),
    unlimited: t.boolean({ description: 'Usage is not limited (default false).' }),
    overageAllowed: t.boolean({ description: 'Usage may go past what is granted (default false).' }),
    interval: t.field({ type: ResetIntervalEnum, required: true, description: 'How often usage resets; ONE_OFF never.' }),
  }),
});

const CreatePlanInput = builder.inputType('CreatePlanInput', {
  description: `A new plan. With an Idempotency-Key header (at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters), a retry creates it once.`,
  fields: (t) => ({
    id: t.string({
      required: true,
      description: `Your own id for it, e.g. "pro" (at most ${TEXT_LIMITS.key} characters); unique per environment.`,
    }),
    name: t.string({ required: true, description: `Display name (at most ${TEXT_LIMITS.planName}).` }),
    features: t.field({
      type: [PlanFeatureInputRef],
      required: true,
      description: `What it grants (at most ${BILLING_LIMITS.featuresPerPlan} features, each once).`,
    }),
  }),
});

const UpdatePlanInput = builder.inputType('UpdatePlanInput', {
  description: 'Changes to a plan. Subscriptions keep what they were granted when attached; new attachments grant the new features.',
  fields: (t) => ({
    id: t.string({ required: true, description: 'The plan.' }),
    name: t.string({ description: 'Display name.' }),
    features: t.field({ type: [PlanFeatureInputRef], description: 'Its features, all of them (replacing the ones it had).' }),
  }),
});

const ArchivePlanInput = builder.inputType('ArchivePlanInput', {
  description: 'The plan to archive.',
  fields: (t) => ({ id: t.string({ required: true, description: 'The plan.' }) }),
});

const PlanPayloadRef = builder.objectRef<PlanPayload>('PlanPayload').implement({
  description: 'The plan as written, or userErrors saying why nothing was written.',
  fields: (t) => ({
    plan: t.field({ type: PlanRef, nullable: true, description: 'The plan; null when userErrors is not empty.', resolve: (p) => p.plan }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why the input was refused; empty on success.',
      resolve: (p) => p.userErrors,
    }),
  }),
});

const featuresOf = (features: readonly PlanFeatureInput[] | null | undefined) => (features ? [...features] : features);

builder.mutationFields((t) => ({
  createPlan: t.field({
    type: PlanPayloadRef,
    description: 'Adds a plan to the catalog.',
    args: { input: t.arg({ type: CreatePlanInput, required: true, description: 'The new plan.' }) },
    resolve: (_root, { input }, ctx) => createPlan(ctx, { ...input, features: featuresOf(input.features) }),
  }),
  updatePlan: t.field({
    type: PlanPayloadRef,
    description: "Changes a plan's name or features.",
    args: { input: t.arg({ type: UpdatePlanInput, required: true, description: 'Which plan, and what to change.' }) },
    resolve: (_root, { input }, ctx) => updatePlan(ctx, { ...input, features: featuresOf(input.features) }),
  }),
  archivePlan: t.field({
    type: PlanPayloadRef,
    description: 'Archives a plan: existing subscriptions keep it; it can no longer be attached (PLAN_ARCHIVED).',
    args: { input: t.arg({ type: ArchivePlanInput, required: true, description: 'Which plan.' }) },
    resolve: (_root, { input }, ctx) => archivePlan(ctx, input),
  }),
}));
