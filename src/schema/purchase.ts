import { scoped } from '../data/tenant.ts';
import { PurchaseStatus } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

const PurchaseStatusEnum = builder.enumType(PurchaseStatus, {
  name: 'PurchaseStatus',
  description: 'Status of a one-off purchase.',
});

export const PurchaseRef = builder.prismaObject('Purchase', {
  description: 'A one-off purchase of a plan (a top-up, a lifetime deal).',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Purchase', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `pur_…`; also its global id.' }),
    planId: t.exposeString('planId', { description: 'The plan (product) bought.' }),
    quantity: t.exposeInt('quantity', { description: 'Units bought.' }),
    status: t.expose('status', { type: PurchaseStatusEnum, description: 'Current status.' }),
    entityId: t.exposeString('entityId', { nullable: true, description: 'The entity it belongs to; null for the customer itself.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When what was bought expires; null if never.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was bought.' }),
    customer: t.relation('customer', { description: 'The customer who bought it.' }),
    entity: t.relation('entity', { nullable: true, description: 'The entity it was bought for; null for the customer itself.' }),
  }),
});
