/**
 * Money is an amount in the currency's minor units (a bigint, never a float) and an ISO 4217
 * currency. Its decimal form uses the currency's own number of decimals, from ICU: 2 for USD, 0
 * for JPY, 3 for KWD. The same rule in SQL (`decimalAmountSql`) is built from the same table.
 */
export interface Money {
  amount: bigint;
  currency: string;
}

const digitsByCurrency = new Map<string, number>();

function icuDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Digits after the decimal point in a currency; 2 for a code ICU does not know. */
export function minorUnitDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = icuDigits(currency);
    // Currencies are a closed set of codes (checked on input), so the cache stays small.
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** "1250.00" for 125000 minor units of USD, "-5" for -5 JPY. */
export function toDecimalString({ amount, currency }: Money): string {
  const digits = minorUnitDigits(currency);
  const negative = amount < 0n;
  const text = (negative ? -amount : amount).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits ? `.${text.slice(text.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** SQL of minorUnitDigits for the currency expression `currency`: the codes that are not 2, listed. */
const digitsSql = (() => {
  const byDigits = new Map<number, string[]>();
  for (const code of Intl.supportedValuesOf('currency')) {
    const digits = icuDigits(code);
    if (digits !== 2) byDigits.set(digits, [...(byDigits.get(digits) ?? []), `'${code}'`]);
  }
  const cases = [...byDigits].map(([digits, codes]) => `WHEN ${'$C'} IN (${codes.join(',')}) THEN ${digits}`).join(' ');
  return (currency: string) => `CASE ${cases.replaceAll('$C', currency)} ELSE 2 END`;
})();

/** SQL of toDecimalString: the decimal text of `amount` minor units of `currency`. */
export function decimalAmountSql(amount: string, currency: string): string {
  const digits = digitsSql(currency);
  return `round(${amount}::numeric / 10::numeric ^ (${digits}), ${digits})::text`;
}
