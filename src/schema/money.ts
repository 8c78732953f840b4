import { builder } from './builder.ts';

export interface Money {
  amount: bigint;
  currency: string;
}

const digitsByCurrency = new Map<string, number>();

/** Digits after the decimal point in a currency (2 for USD, 0 for JPY, 3 for KWD), from ICU. */
function minorUnitDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    // Currencies are a closed set of codes (checked on input), so the cache stays small.
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

export function toDecimalString({ amount, currency }: Money): string {
  const digits = minorUnitDigits(currency);
  const negative = amount < 0n;
  const text = (negative ? -amount : amount).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits ? `.${text.slice(text.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

export const MoneyRef = builder.objectRef<Money>('Money').implement({
  description: 'An amount of money: exact, never a float.',
  fields: (t) => ({
    minorUnits: t.field({
      type: 'BigInt',
      description: "The amount in the currency's smallest unit (cents for USD, yen for JPY).",
      resolve: (money) => money.amount,
    }),
    amount: t.string({
      description: 'The amount as a decimal string in major units, e.g. "1250.00" for 125000 cents.',
      resolve: toDecimalString,
    }),
    currency: t.exposeString('currency', { description: 'ISO 4217 currency code, uppercase (USD, EUR, JPY).' }),
  }),
});
