import { scoped } from '../data/tenant.ts';
import { type UserError, UserErrors, userError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Entity, Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';
import { checkExternalId, checkName } from './customer-input.ts';
import { recordEvent } from './events.ts';
import { once } from './idempotency.ts';
import { asPayload, checkFeatureId, checkId, isUniqueViolation, lockLiveCustomer, notFound } from './service.ts';
import { inTransaction, meter, refusal } from './usage.ts';

type Db = Prisma.TransactionClient;

export interface EntityInput {
  customerId: string;
  externalId: string;
  name?: string | null;
  featureId?: string | null;
}

export interface EntityPayload {
  entity: Entity | null;
  userErrors: UserError[];
}

const externalIdTaken = (error: unknown) =>
  isUniqueViolation(error)
    ? userError(['input', 'externalId'], 'EXTERNAL_ID_TAKEN', 'The customer already has an entity with this externalId')
    : undefined;

/**
 * Creates a seat or workspace. With a featureId it takes one unit of the customer's own balance of
 * that feature, in the same conditional statement as trackUsage, so that no more seats are made
 * than the balance holds (unless it allows overage).
 */
export async function createEntity(ctx: Context, input: EntityInput): Promise<EntityPayload> {
  const errors: UserError[] = [];
  checkId(['input', 'customerId'], input.customerId, 'Customer', errors);
  checkExternalId(['input', 'externalId'], input.externalId, errors);
  if (input.name != null) checkName(['input', 'name'], input.name, errors);
  if (input.featureId != null) checkFeatureId(['input', 'featureId'], input.featureId, errors);
  if (errors.length) return { entity: null, userErrors: errors };
  const create = async (tx: Db): Promise<EntityPayload> => {
    const customer = await lockLiveCustomer(tx, ctx, input.customerId, ['input', 'customerId']);
    const featureId = input.featureId ?? null;
    if (featureId) {
      const key = { customerId: customer.id, entityId: null, featureId };
      const seat = await meter(inTransaction(tx), ctx, key, { add: 1n });
      if (seat.outcome !== 'METERED') throw new UserErrors([await refusal(tx, ctx, key, seat.outcome, ['input', 'featureId'])]);
    }
    const entity = await tx.entity.create({
      data: { id: newId('Entity'), customerId: customer.id, externalId: input.externalId, name: input.name ?? null, featureId },
    });
    await recordEvent(tx, ctx, customer.id, 'ENTITY_CREATED', { entityId: entity.id, externalId: entity.externalId, featureId });
    return { entity, userErrors: [] };
  };
  const result = await asPayload(
    () =>
      ctx.prisma.$transaction((tx) =>
        once(tx, ctx, 'createEntity', input, () => create(tx), {
          remember: (payload) => ({ entityId: payload.entity?.id ?? null }),
          recall: async ({ entityId }, replayTx) => ({
            entity: await replayTx.entity.findFirst({ where: scoped('Entity', ctx.caller, { id: entityId ?? '' }) }),
            userErrors: [],
          }),
        }),
      ),
    externalIdTaken,
  );
  return { entity: null, ...result };
}

/** The caller's entity, with its customer locked (live), or NOT_FOUND on the input's id. */
async function lockEntity(tx: Db, ctx: Context, id: string): Promise<Entity> {
  const found = await tx.entity.findFirst({ where: scoped('Entity', ctx.caller, { id }) });
  if (!found) throw new UserErrors([notFound(['input', 'id'], 'entity', id)]);
  await lockLiveCustomer(tx, ctx, found.customerId, ['input', 'id']);
  const entity = await tx.entity.findFirst({ where: scoped('Entity', ctx.caller, { id }) });
  if (!entity) throw new UserErrors([notFound(['input', 'id'], 'entity', id)]);
  return entity;
}

export async function updateEntity(ctx: Context, input: { id: string; name?: string | null }): Promise<EntityPayload> {
  const errors: UserError[] = [];
  if (input.name != null) checkName(['input', 'name'], input.name, errors);
  if (errors.length) return { entity: null, userErrors: errors };
  const result = await asPayload(() =>
    ctx.prisma.$transaction(async (tx) => {
      const current = await lockEntity(tx, ctx, input.id);
      if (input.name === undefined || input.name === current.name) return { entity: current, userErrors: [] };
      await tx.entity.updateMany({ where: scoped('Entity', ctx.caller, { id: current.id }), data: { name: input.name } });
      await recordEvent(tx, ctx, current.customerId, 'ENTITY_UPDATED', {
        entityId: current.id,
        changes: { name: { before: current.name, after: input.name } },
      });
      return { entity: { ...current, name: input.name }, userErrors: [] };
    }),
  );
  return { entity: null, ...result };
}

export interface DeleteEntityPayload {
  deletedEntityId: string | null;
  userErrors: UserError[];
}

/** Deletes an entity with its subscriptions, purchases and balances; the seat it took goes back to the customer's balance. */
export async function deleteEntity(ctx: Context, input: { id: string }): Promise<DeleteEntityPayload> {
  const result = await asPayload(() =>
    ctx.prisma.$transaction(async (tx) => {
      const entity = await lockEntity(tx, ctx, input.id);
      await tx.entity.deleteMany({ where: scoped('Entity', ctx.caller, { id: entity.id }) });
      if (entity.featureId)
        await meter(inTransaction(tx), ctx, { customerId: entity.customerId, entityId: null, featureId: entity.featureId }, { add: -1n });
      await recordEvent(tx, ctx, entity.customerId, 'ENTITY_DELETED', {
        entityId: entity.id,
        externalId: entity.externalId,
        featureId: entity.featureId,
      });
      return { deletedEntityId: entity.id, userErrors: [] };
    }),
  );
  return { deletedEntityId: null, ...result };
}
