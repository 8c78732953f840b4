import { compiledValue } from '../data/compiled-read/declare.ts';
import { decimalAmountSql, type Money, toDecimalString } from '../domain/money.ts';
import { builder } from './builder.ts';

/** Money's fields read `amount` and `currency` of whatever it is made from (see the fields returning it). */
export const MoneyRef = builder.objectRef<Money>('Money').implement({
  description: 'An amount of money: exact, never a float.',
  fields: (t) => ({
    minorUnits: t.field({
      type: 'BigInt',
      description: "The amount in the currency's smallest unit (cents for USD, yen for JPY).",
      resolve: (money) => money.amount,
      extensions: compiledValue((sql) => sql.column('amount')),
    }),
    amount: t.string({
      description: 'The amount as a decimal string in major units, e.g. "1250.00" for 125000 cents.',
      resolve: toDecimalString,
      extensions: compiledValue((sql) => decimalAmountSql(sql.column('amount'), sql.column('currency'))),
    }),
    currency: t.exposeString('currency', { description: 'ISO 4217 currency code, uppercase (USD, EUR, JPY).' }),
  }),
});

/** Declaration of a Money field made from two columns of its parent (an invoice's total and currency). */
export const moneyOfColumns = (amount: string, currency: string) => ({
  columns: (sql: { column(name: string): string }) => ({ amount: sql.column(amount), currency: sql.column(currency) }),
});
