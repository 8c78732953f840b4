import { scoped } from '../data/tenant.ts';
import { EventType } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

export const EventTypeEnum = builder.enumType(EventType, { name: 'EventType', description: 'What happened.' });

export const EventRef = builder.prismaObject('Event', {
  description: 'Something that happened to a customer, written in the same transaction as the change.',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Event', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `evt_…`; also its global id.' }),
    type: t.expose('type', { type: EventTypeEnum, description: 'What happened.' }),
    customerId: t.exposeString('customerId', { description: 'The customer it happened to.' }),
    data: t.expose('data', {
      type: 'JSON',
      description: 'Details. For CUSTOMER_UPDATED: {"changes": {field: {"before": …, "after": …}}}; money as strings.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
    customer: t.relation('customer', { description: 'The customer it happened to (a tombstone once deleted).' }),
  }),
});
