import { BY_FEATURE, NEWEST_FIRST } from '../data/ordering.ts';
import { scoped } from '../data/tenant.ts';
import { builder } from './builder.ts';
import { keyedById } from './node-entity.ts';

export const EntityRef = builder.prismaObject('Entity', {
  description: 'A seat or workspace of a customer, with subscriptions, purchases and balances of its own.',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Entity', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `ent_…`; also its global id.' }),
    externalId: t.exposeString('externalId', { description: "The merchant's own id for it, unique per customer." }),
    name: t.exposeString('name', { nullable: true, description: 'Display name.' }),
    featureId: t.exposeString('featureId', { nullable: true, description: 'The feature it counts against (e.g. "seats").' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    // The database holds an entity's rows to its customer (a foreign key on entity and customer).
    subscriptions: t.relation('subscriptions', {
      description: 'Subscriptions of this entity, newest first.',
      query: { orderBy: NEWEST_FIRST },
    }),
    purchases: t.relation('purchases', {
      description: 'One-off purchases of this entity, newest first.',
      query: { orderBy: NEWEST_FIRST },
    }),
    balances: t.relation('balances', { description: 'Feature balances of this entity, by feature id.', query: { orderBy: BY_FEATURE } }),
  }),
});

keyedById(EntityRef, 'Entity');
