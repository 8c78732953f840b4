import { compiledObject, compiledValue } from '../data/compiled-read/declare.ts';
import { scoped } from '../data/tenant.ts';
import type { PaymentMethod } from '../generated/prisma/client.ts';
import { PaymentMethodType } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

const PaymentMethodTypeEnum = builder.enumType(PaymentMethodType, {
  name: 'PaymentMethodType',
  description: 'Kind of payment method.',
});

/** A card's fields read the payment method's card columns; what was never recorded reads as unknown. */
const CardRef = builder.objectRef<PaymentMethod>('Card').implement({
  description: 'The non-sensitive details of a card: never its number.',
  fields: (t) => ({
    brand: t.string({
      description: 'Card brand, e.g. visa, mastercard.',
      resolve: (pm) => pm.cardBrand ?? 'unknown',
      extensions: compiledValue((sql) => `coalesce(${sql.column('cardBrand')}, 'unknown')`),
    }),
    last4: t.string({
      description: 'Last four digits.',
      resolve: (pm) => pm.cardLast4 ?? '',
      extensions: compiledValue((sql) => `coalesce(${sql.column('cardLast4')}, '')`),
    }),
    expMonth: t.int({
      description: 'Expiry month, 1-12.',
      resolve: (pm) => pm.cardExpMonth ?? 0,
      extensions: compiledValue((sql) => `coalesce(${sql.column('cardExpMonth')}, 0)`),
    }),
    expYear: t.int({
      description: 'Expiry year, four digits.',
      resolve: (pm) => pm.cardExpYear ?? 0,
      extensions: compiledValue((sql) => `coalesce(${sql.column('cardExpYear')}, 0)`),
    }),
  }),
});

export const PaymentMethodRef = builder.prismaObject('PaymentMethod', {
  description: 'A way a customer pays.',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('PaymentMethod', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `pm_…`; also its global id.' }),
    type: t.expose('type', { type: PaymentMethodTypeEnum, description: 'Kind of payment method.' }),
    card: t.field({
      type: CardRef,
      nullable: true,
      description: 'Card details, for type CARD.',
      resolve: (pm) => (pm.type === 'CARD' ? pm : null),
      extensions: compiledObject({ when: (sql) => `${sql.column('type')} = 'CARD'` }),
    }),
    isDefault: t.exposeBoolean('isDefault', { description: "True for the customer's default payment method." }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was added.' }),
  }),
});
