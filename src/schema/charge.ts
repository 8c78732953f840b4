import { compiledObject } from '../data/compiled-read/declare.ts';
import { scoped } from '../data/tenant.ts';
import { ChargeStatus } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';
import { MoneyRef, moneyOfColumns } from './money.ts';

const ChargeStatusEnum = builder.enumType(ChargeStatus, {
  name: 'ChargeStatus',
  description: 'Outcome of a charge.',
});

export const ChargeRef = builder.prismaObject('Charge', {
  description: 'An attempt to take a payment from a customer.',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('Charge', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `ch_…`; also its global id.' }),
    amount: t.field({
      type: MoneyRef,
      description: 'Amount charged.',
      resolve: (charge) => ({ amount: charge.amount, currency: charge.currency }),
      extensions: compiledObject(moneyOfColumns('amount', 'currency')),
    }),
    currency: t.exposeString('currency', { description: 'ISO 4217 currency code.' }),
    status: t.expose('status', { type: ChargeStatusEnum, description: 'Outcome.' }),
    invoiceId: t.exposeString('invoiceId', { nullable: true, description: 'The invoice it pays, if any.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was made.' }),
    customer: t.relation('customer', { description: 'The customer charged (a tombstone once deleted).' }),
  }),
});
