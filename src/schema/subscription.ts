import { BILLING_LIMITS, IDEMPOTENCY_KEY_MAX_LENGTH } from '../config/limits.ts';
import { scoped } from '../data/tenant.ts';
import { graphqlTypeName } from '../domain/ids.ts';
import { SubscriptionStatus } from '../generated/prisma/enums.ts';
import { type AttachPayload, attachPlan, cancelSubscription, type SubscriptionPayload } from '../resolvers/subscriptions.ts';
import { builder } from './builder.ts';
import { CustomerRef } from './customer.ts';
import { keyedById } from './node-entity.ts';
import { PlanRef } from './plan.ts';
import { UserErrorRef } from './user-error.ts';

const SubscriptionStatusEnum = builder.enumType(SubscriptionStatus, {
  name: 'SubscriptionStatus',
  description: 'Where a subscription is in its life.',
});

export const SubscriptionRef = builder.prismaObject('Subscription', {
  name: graphqlTypeName('Subscription'),
  description: 'A plan a customer (or one of its entities) subscribes to.',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Subscription', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `sub_…`; also its global id.' }),
    planId: t.exposeString('planId', { description: 'The plan (product) subscribed to.' }),
    plan: t.field({
      type: PlanRef,
      nullable: true,
      description: 'The plan of the catalog with that id (archived or not); null when the catalog has none.',
      resolve: (subscription, _args, ctx) => ctx.loaders.plan.load(subscription.planId),
    }),
    status: t.expose('status', { type: SubscriptionStatusEnum, description: 'Current status.' }),
    addOn: t.exposeBoolean('addOn', { description: 'True for an add-on bought on top of a main plan.' }),
    quantity: t.exposeInt('quantity', { description: 'Number of units (seats, licences) subscribed.' }),
    entityId: t.exposeString('entityId', { nullable: true, description: 'The entity it belongs to; null for the customer itself.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When the subscription started.' }),
    currentPeriodStart: t.expose('currentPeriodStart', {
      type: 'DateTime',
      nullable: true,
      description: 'Start of the billing period in progress.',
    }),
    currentPeriodEnd: t.expose('currentPeriodEnd', {
      type: 'DateTime',
      nullable: true,
      description: 'End of the billing period in progress.',
    }),
    trialEndsAt: t.expose('trialEndsAt', { type: 'DateTime', nullable: true, description: 'When the trial ends; null without a trial.' }),
    canceledAt: t.expose('canceledAt', { type: 'DateTime', nullable: true, description: 'When it was canceled.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it ends or ended for good.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    customer: t.relation('customer', { description: 'The customer it belongs to (through its entity, if it has one).' }),
    entity: t.relation('entity', { nullable: true, description: 'The entity it belongs to; null for the customer itself.' }),
  }),
});

keyedById(SubscriptionRef, 'Subscription');

const AttachPlanInput = builder.inputType('AttachPlanInput', {
  description: `A plan to attach to a customer or one of its entities. With an Idempotency-Key header (at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters), a retry attaches it once.`,
  fields: (t) => ({
    customerId: t.id({ required: true, description: 'The customer, `cus_…`.' }),
    planId: t.string({ required: true, description: 'The plan, e.g. "pro"; not archived (PLAN_ARCHIVED).' }),
    entityId: t.id({ description: "An entity of the customer, `ent_…`: the subscription and its balances are the entity's." }),
    quantity: t.int({
      description: `Units (seats, licences), 1 to ${BILLING_LIMITS.quantity}; each feature is granted times this (default 1).`,
    }),
    trialDays: t.int({
      description: `A trial of this many days (1 to ${BILLING_LIMITS.trialDays}); once per customer and plan (TRIAL_ALREADY_USED).`,
    }),
  }),
});

const CancelSubscriptionInput = builder.inputType('CancelSubscriptionInput', {
  description: 'The subscription to cancel, and when.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The subscription, `sub_…`.' }),
    atPeriodEnd: t.boolean({
      description:
        'True: it stays ACTIVE until currentPeriodEnd, then ends with its grants. False (default): CANCELED now, its grants taken back.',
    }),
  }),
});

const AttachPlanPayload = builder.objectRef<AttachPayload>('AttachPlanPayload').implement({
  description: 'The new subscription and its customer, or userErrors saying why nothing was written.',
  fields: (t) => ({
    subscription: t.field({
      type: SubscriptionRef,
      nullable: true,
      description: 'The subscription; null when userErrors is not empty.',
      resolve: (p) => p.subscription,
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The customer, with its new balances.',
      resolve: (p) => p.customer,
    }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why the input was refused; empty on success.',
      resolve: (p) => p.userErrors,
    }),
  }),
});

const SubscriptionPayloadRef = builder.objectRef<SubscriptionPayload>('SubscriptionPayload').implement({
  description: 'The subscription as written, or userErrors saying why nothing was written.',
  fields: (t) => ({
    subscription: t.field({
      type: SubscriptionRef,
      nullable: true,
      description: 'The subscription; null when userErrors is not empty.',
      resolve: (p) => p.subscription,
    }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why the input was refused; empty on success.',
      resolve: (p) => p.userErrors,
    }),
  }),
});

builder.mutationFields((t) => ({
  attachPlan: t.field({
    type: AttachPlanPayload,
    description:
      "Subscribes a customer (or an entity) to a plan: the subscription (month to month), the plan's features granted to its balances, and the SUBSCRIPTION_CREATED event, in one transaction. A plan already active there is ALREADY_ATTACHED.",
    args: { input: t.arg({ type: AttachPlanInput, required: true, description: 'Which plan, for whom.' }) },
    resolve: (_root, { input }, ctx) =>
      attachPlan(ctx, { ...input, customerId: String(input.customerId), entityId: input.entityId == null ? null : String(input.entityId) }),
  }),
  cancelSubscription: t.field({
    type: SubscriptionPayloadRef,
    description: 'Cancels a subscription now or at its period end, with its SUBSCRIPTION_CANCELED event.',
    args: { input: t.arg({ type: CancelSubscriptionInput, required: true, description: 'Which subscription, and when.' }) },
    resolve: (_root, { input }, ctx) => cancelSubscription(ctx, { id: String(input.id), atPeriodEnd: input.atPeriodEnd }),
  }),
}));
