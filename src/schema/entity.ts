import { BalanceRef } from './balance.ts';
import { builder } from './builder.ts';
import { keyedById } from './node-entity.ts';
import { PurchaseRef } from './purchase.ts';
import { SubscriptionRef } from './subscription.ts';

export const EntityRef = builder.prismaObject('Entity', {
  description: 'A seat or workspace of a customer, with subscriptions, purchases and balances of its own.',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `ent_…`; also its global id.' }),
    externalId: t.exposeString('externalId', { description: "The merchant's own id for it, unique per customer." }),
    name: t.exposeString('name', { nullable: true, description: 'Display name.' }),
    featureId: t.exposeString('featureId', { nullable: true, description: 'The feature it counts against (e.g. "seats").' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    subscriptions: t.field({
      type: [SubscriptionRef],
      description: 'Subscriptions of this entity, newest first.',
      resolve: (entity, _args, ctx) => ctx.loaders.entityLists.subscriptions.load(entity.id),
    }),
    purchases: t.field({
      type: [PurchaseRef],
      description: 'One-off purchases of this entity, newest first.',
      resolve: (entity, _args, ctx) => ctx.loaders.entityLists.purchases.load(entity.id),
    }),
    balances: t.field({
      type: [BalanceRef],
      description: 'Feature balances of this entity, by feature id.',
      resolve: (entity, _args, ctx) => ctx.loaders.entityLists.balances.load(entity.id),
    }),
  }),
});

keyedById(EntityRef, 'Entity');
