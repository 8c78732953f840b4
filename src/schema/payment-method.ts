import type { PaymentMethod } from '../generated/prisma/client.ts';
import { PaymentMethodType } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

const PaymentMethodTypeEnum = builder.enumType(PaymentMethodType, {
  name: 'PaymentMethodType',
  description: 'Kind of payment method.',
});

const CardRef = builder.objectRef<PaymentMethod>('Card').implement({
  description: 'The non-sensitive details of a card: never its number.',
  fields: (t) => ({
    brand: t.string({ description: 'Card brand, e.g. visa, mastercard.', resolve: (pm) => pm.cardBrand ?? 'unknown' }),
    last4: t.string({ description: 'Last four digits.', resolve: (pm) => pm.cardLast4 ?? '' }),
    expMonth: t.int({ description: 'Expiry month, 1-12.', resolve: (pm) => pm.cardExpMonth ?? 0 }),
    expYear: t.int({ description: 'Expiry year, four digits.', resolve: (pm) => pm.cardExpYear ?? 0 }),
  }),
});

export const PaymentMethodRef = builder.prismaObject('PaymentMethod', {
  description: 'A way a customer pays.',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `pm_…`; also its global id.' }),
    type: t.expose('type', { type: PaymentMethodTypeEnum, description: 'Kind of payment method.' }),
    card: t.field({
      type: CardRef,
      nullable: true,
      description: 'Card details, for type CARD.',
      resolve: (pm) => (pm.type === 'CARD' ? pm : null),
    }),
    isDefault: t.exposeBoolean('isDefault', { description: "True for the customer's default payment method." }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was added.' }),
  }),
});
