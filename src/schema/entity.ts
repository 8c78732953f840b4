import { IDEMPOTENCY_KEY_MAX_LENGTH, TEXT_LIMITS } from '../config/limits.ts';
import { BY_FEATURE, NEWEST_FIRST } from '../data/ordering.ts';
import { scoped } from '../data/tenant.ts';
import {
  createEntity,
  type DeleteEntityPayload as DeleteEntityPayloadShape,
  deleteEntity,
  type EntityPayload as EntityPayloadShape,
  updateEntity,
} from '../resolvers/entities.ts';
import { builder } from './builder.ts';
import { keyedById } from './node-entity.ts';
import { UserErrorRef } from './user-error.ts';

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
    customer: t.relation('customer', { description: 'The customer it belongs to.' }),
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

const EntityPayload = builder.objectRef<EntityPayloadShape>('EntityPayload').implement({
  description: 'The entity as written, or userErrors saying why nothing was written.',
  fields: (t) => ({
    entity: t.field({
      type: EntityRef,
      nullable: true,
      description: 'The entity; null when userErrors is not empty.',
      resolve: (p) => p.entity,
    }),
    userErrors: t.field({
      type: [UserErrorRef],
      description: 'Why the input was refused; empty on success.',
      resolve: (p) => p.userErrors,
    }),
  }),
});

const DeleteEntityPayload = builder.objectRef<DeleteEntityPayloadShape>('DeleteEntityPayload').implement({
  description: 'The id of the deleted entity, or userErrors saying why nothing was deleted.',
  fields: (t) => ({
    deletedEntityId: t.exposeID('deletedEntityId', {
      nullable: true,
      description: 'Id of the entity deleted; null when userErrors is not empty.',
    }),
    userErrors: t.field({ type: [UserErrorRef], description: 'Why nothing was deleted; empty on success.', resolve: (p) => p.userErrors }),
  }),
});

const CreateEntityInput = builder.inputType('CreateEntityInput', {
  description: `A new seat or workspace of a customer. With an Idempotency-Key header (at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters), a retry creates it once.`,
  fields: (t) => ({
    customerId: t.id({ required: true, description: 'The customer, `cus_…`.' }),
    externalId: t.string({
      required: true,
      description: `Your own id for it (at most ${TEXT_LIMITS.externalId}); unique per customer (EXTERNAL_ID_TAKEN).`,
    }),
    name: t.string({ description: `Display name (at most ${TEXT_LIMITS.name}).` }),
    featureId: t.string({
      description:
        'The feature it counts against (e.g. "seats"): it takes one unit of the customer\'s own balance of it (INSUFFICIENT_BALANCE when none is left and overage is off), and gives it back when deleted.',
    }),
  }),
});

const UpdateEntityInput = builder.inputType('UpdateEntityInput', {
  description: 'Changes to an entity; a field left out stays as it is.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The entity, `ent_…`.' }),
    name: t.string({ description: 'Display name; null clears it.' }),
  }),
});

const DeleteEntityInput = builder.inputType('DeleteEntityInput', {
  description: 'The entity to delete.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The entity, `ent_…`.' }) }),
});

builder.mutationFields((t) => ({
  createEntity: t.field({
    type: EntityPayload,
    description:
      'Creates a seat or workspace of a customer (taking a unit of a feature balance if featureId is given), with its ENTITY_CREATED event.',
    args: { input: t.arg({ type: CreateEntityInput, required: true, description: 'The new entity.' }) },
    resolve: (_root, { input }, ctx) => createEntity(ctx, { ...input, customerId: String(input.customerId) }),
  }),
  updateEntity: t.field({
    type: EntityPayload,
    description: 'Renames an entity, with its ENTITY_UPDATED event.',
    args: { input: t.arg({ type: UpdateEntityInput, required: true, description: 'Which entity, and what to change.' }) },
    resolve: (_root, { input }, ctx) => updateEntity(ctx, { id: String(input.id), name: input.name }),
  }),
  deleteEntity: t.field({
    type: DeleteEntityPayload,
    description:
      'Deletes an entity with its subscriptions, purchases and balances, giving back the unit it took of its feature, with its ENTITY_DELETED event.',
    args: { input: t.arg({ type: DeleteEntityInput, required: true, description: 'Which entity.' }) },
    resolve: (_root, { input }, ctx) => deleteEntity(ctx, { id: String(input.id) }),
  }),
}));
