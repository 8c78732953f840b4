import { scoped } from '../data/tenant.ts';
import { graphqlTypeName } from '../domain/ids.ts';
import { SubscriptionStatus } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';
import { keyedById } from './node-entity.ts';

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
  }),
});

keyedById(SubscriptionRef, 'Subscription');
