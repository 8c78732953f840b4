import { compiledObject } from '../data/compiled-read/declare.ts';
import { scoped } from '../data/tenant.ts';
import { InvoiceStatus } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';
import { MoneyRef, moneyOfColumns } from './money.ts';
import { keyedById } from './node-entity.ts';

const InvoiceStatusEnum = builder.enumType(InvoiceStatus, {
  name: 'InvoiceStatus',
  description: 'Where an invoice is in its life.',
});

export const InvoiceRef = builder.prismaObject('Invoice', {
  description: 'An invoice issued to a customer.',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Invoice', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `inv_…`; also its global id.' }),
    number: t.exposeString('number', { description: "Invoice number: the customer's invoice prefix and a sequence." }),
    status: t.expose('status', { type: InvoiceStatusEnum, description: 'Current status.' }),
    total: t.field({
      type: MoneyRef,
      description: 'Total amount due.',
      resolve: (invoice) => ({ amount: invoice.total, currency: invoice.currency }),
      extensions: compiledObject(moneyOfColumns('total', 'currency')),
    }),
    currency: t.exposeString('currency', { description: 'ISO 4217 currency code.' }),
    planIds: t.exposeStringList('planIds', { description: 'Plans billed on this invoice.' }),
    hostedUrl: t.exposeString('hostedUrl', { nullable: true, description: 'Where the customer can see and pay it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was issued.' }),
    customer: t.relation('customer', { description: 'The customer it was issued to (a tombstone once deleted).' }),
  }),
});

keyedById(InvoiceRef, 'Invoice');
