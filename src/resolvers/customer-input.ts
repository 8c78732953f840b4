import { CountryCodeResolver, CurrencyResolver } from 'graphql-scalars';
import { LIST_LIMITS, METADATA_LIMITS, TEXT_LIMITS } from '../config/limits.ts';
import { BIGINT_RANGE, fitsBigint } from '../data/column-ranges.ts';
import { type UserError, userError } from '../domain/errors.ts';
import { type Customer, Prisma, type TaxExempt } from '../generated/prisma/client.ts';

export interface AddressInput {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

export interface ShippingInput {
  name?: string | null;
  phone?: string | null;
  address?: AddressInput | null;
}

export interface TaxIdInput {
  type: string;
  value: string;
}

/** The writable fields of a customer; on update, a field left out stays as it is. */
export interface CustomerFieldsInput {
  externalId?: string | null;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  description?: string | null;
  companyName?: string | null;
  taxId?: string | null;
  address?: AddressInput | null;
  shipping?: ShippingInput | null;
  metadata?: Record<string, unknown> | null;
  locale?: string | null;
  preferredLocales?: string[] | null;
  currency?: string | null;
  /** Stripe's customer balance, in minor units: stored in the `balance` column. */
  accountBalance?: bigint | null;
  invoicePrefix?: string | null;
  nextInvoiceSequence?: number | null;
  taxExempt?: TaxExempt | null;
  taxIds?: TaxIdInput[] | null;
  fingerprint?: string | null;
  stripeId?: string | null;
  sendEmailReceipts?: boolean | null;
}

const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:.]{2,}$/;
const INVOICE_PREFIX = /^[A-Z0-9]{3,12}$/;
const PHONE = /^\+?[0-9 ()./-]{3,30}$/;
const EXTERNAL_ID = /^[^\s\p{Cc}]{1,256}$/u;
// Characters that print as nothing or as blank space: two emails differing only by them look the
// same to a person, so an email holding one would pass for a taken address.
const INVISIBLE = /[\s\p{C}\p{Z}\p{Default_Ignorable_Code_Point}]/u;

interface StringRule {
  max: number;
  pattern?: RegExp;
  rule?: string;
  /** Characters refused anywhere in the value, reported by code point. */
  invisible?: RegExp;
}

/** Simple string fields: their longest allowed length, and a rule where there is one. */
const STRING_RULES: Record<string, StringRule> = {
  externalId: {
    max: TEXT_LIMITS.externalId,
    pattern: EXTERNAL_ID,
    rule: `must be 1 to ${TEXT_LIMITS.externalId} characters without spaces or control characters`,
  },
  name: { max: TEXT_LIMITS.name },
  email: { max: TEXT_LIMITS.email, invisible: INVISIBLE, pattern: EMAIL, rule: 'must be an email address like name@example.com' },
  phone: { max: TEXT_LIMITS.phone, pattern: PHONE, rule: 'must be a phone number of digits, spaces and + ( ) . / -' },
  description: { max: TEXT_LIMITS.description },
  companyName: { max: TEXT_LIMITS.companyName },
  taxId: { max: TEXT_LIMITS.taxId },
  invoicePrefix: {
    max: TEXT_LIMITS.invoicePrefix,
    pattern: INVOICE_PREFIX,
    rule: `must be 3 to ${TEXT_LIMITS.invoicePrefix} uppercase letters or digits`,
  },
  fingerprint: { max: TEXT_LIMITS.fingerprint },
  stripeId: { max: TEXT_LIMITS.stripeId },
};

const ADDRESS_MAX = {
  line1: TEXT_LIMITS.addressLine,
  line2: TEXT_LIMITS.addressLine,
  city: TEXT_LIMITS.city,
  state: TEXT_LIMITS.state,
  postalCode: TEXT_LIMITS.postalCode,
} as const;

/** The lines of an address, in the order it is stored. */
const ADDRESS_LINES = [...(Object.keys(ADDRESS_MAX) as (keyof typeof ADDRESS_MAX)[]), 'country'] as const;

type AddressLine = (typeof ADDRESS_LINES)[number];

/** An address as stored: every line, null where there is none. */
export type StoredAddress = Record<AddressLine, string | null>;

export interface StoredShipping {
  name: string | null;
  phone: string | null;
  address: StoredAddress | null;
}

/** The lines an input gives, checked: a value replaces the stored line, null clears it, a line left out stays. */
export type AddressPatch = Partial<StoredAddress>;

/** Shipping as an input gives it, checked; its address is a patch of the stored one, or null to clear it. */
export interface ShippingPatch {
  name?: string | null;
  phone?: string | null;
  address?: AddressPatch | null;
}

type FieldPath = string[];

class Validator {
  readonly errors: UserError[] = [];

  string(path: FieldPath, value: string, rule: StringRule): string {
    const name = path.join('.');
    const invisible = rule.invisible?.exec(value);
    if (value.length > rule.max) {
      this.errors.push(userError(path, 'TOO_LONG', `${name} must be at most ${rule.max} characters, got ${value.length}`));
    } else if (invisible) {
      const codePoint = `U+${invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      this.errors.push(
        userError(
          path,
          'INVALID',
          `${name} must not contain spaces, invisible or control characters; found ${codePoint} at position ${invisible.index}`,
        ),
      );
    } else if (rule.pattern && !rule.pattern.test(value)) {
      this.errors.push(userError(path, 'INVALID', `${name} ${rule.rule}`));
    }
    return value;
  }

  country(path: FieldPath, value: string): string {
    const code = value.toUpperCase();
    if (!/^[A-Z]{2}$/.test(code) || !isValid(() => CountryCodeResolver.parseValue(code))) {
      this.errors.push(userError(path, 'INVALID', `${path.join('.')} must be an ISO 3166-1 alpha-2 country code like US or DE`));
    }
    return code;
  }

  currency(path: FieldPath, value: string): string {
    const code = value.toUpperCase();
    if (!/^[A-Z]{3}$/.test(code) || !isValid(() => CurrencyResolver.parseValue(code))) {
      this.errors.push(userError(path, 'INVALID', `${path.join('.')} must be an ISO 4217 currency code like USD or EUR`));
    }
    return code;
  }

  /** A locale in any of Stripe's forms (en, fr-FR, fr_FR, FR-fr, zh-Hant-TW, es-419), as its canonical BCP 47 tag. */
  locale(path: FieldPath, value: string): string {
    if (value.length > TEXT_LIMITS.locale) return this.string(path, value, { max: TEXT_LIMITS.locale });
    const canonical = canonicalLocale(value);
    if (canonical === undefined) this.errors.push(userError(path, 'INVALID', `${path.join('.')} must be a locale like en or fr-FR`));
    return canonical ?? value;
  }

  address(path: FieldPath, input: AddressInput): AddressPatch {
    const patch: AddressPatch = {};
    for (const [key, max] of Object.entries(ADDRESS_MAX)) {
      patch[key as AddressLine] = ifGiven(input[key as keyof AddressInput], (line) => this.string([...path, key], line, { max }));
    }
    patch.country = ifGiven(input.country, (country) => this.country([...path, 'country'], country));
    return patch;
  }

  shipping(path: FieldPath, input: ShippingInput): ShippingPatch {
    return {
      name: ifGiven(input.name, (name) => this.string([...path, 'name'], name, { max: TEXT_LIMITS.name })),
      phone: ifGiven(input.phone, (phone) => this.string([...path, 'phone'], phone, STRING_RULES.phone)),
      address: ifGiven(input.address, (address) => this.address([...path, 'address'], address)),
    };
  }

  /** Checks a metadata patch: string values, or "" / null to remove a key. */
  metadata(path: FieldPath, input: Record<string, unknown>): MetadataPatch {
    const patch: MetadataPatch = new Map();
    for (const [key, value] of Object.entries(input)) {
      const keyPath = [...path, key];
      if (key.length === 0 || key.length > METADATA_LIMITS.keyLength) {
        this.errors.push(
          userError(
            keyPath,
            'INVALID',
            `metadata keys must be 1 to ${METADATA_LIMITS.keyLength} characters; "${key.slice(0, 50)}" has ${key.length}`,
          ),
        );
      } else if (key.includes('[') || key.includes(']')) {
        this.errors.push(userError(keyPath, 'INVALID', `metadata key "${key}" must not contain square brackets`));
      }
      if (value === null || value === '') {
        patch.set(key, null);
      } else if (typeof value !== 'string') {
        this.errors.push(userError(keyPath, 'INVALID', `metadata.${key} must be a string (or "" to remove the key)`));
      } else if (value.length > METADATA_LIMITS.valueLength) {
        this.errors.push(
          userError(keyPath, 'TOO_LONG', `metadata.${key} must be at most ${METADATA_LIMITS.valueLength} characters, got ${value.length}`),
        );
      } else {
        patch.set(key, value);
      }
    }
    return patch;
  }
}

/** A given value checked; null as given (it clears), undefined when left out (it stays). */
function ifGiven<T, R>(value: T | null | undefined, check: (value: T) => R): R | null | undefined {
  if (value === undefined) return undefined;
  return value === null ? null : check(value);
}

/** The canonical BCP 47 form of a locale, "_" read as "-" (Stripe's fr_FR); undefined when it is not a locale. */
function canonicalLocale(value: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(value.replaceAll('_', '-'))[0];
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

function isValid(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

/**
 * A metadata change by key: a value to set, or null to remove the key. A Map, as any string is a
 * key: in a plain object, `__proto__` would set the prototype instead of a key and vanish.
 */
export type MetadataPatch = Map<string, string | null>;

/** Applies a metadata patch to stored metadata, enforcing the key limit on the result. */
export function mergeMetadata(current: Record<string, string>, patch: MetadataPatch, errors: UserError[]): Record<string, string> {
  // Without a prototype, `__proto__` is a key like any other (and Object.assign copies it as one).
  const merged: Record<string, string> = Object.assign(Object.create(null), current);
  for (const [key, value] of patch) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  if (Object.keys(merged).length > METADATA_LIMITS.keys) {
    errors.push(
      userError(
        ['input', 'metadata'],
        'INVALID',
        `metadata can have at most ${METADATA_LIMITS.keys} keys; this would leave ${Object.keys(merged).length}`,
      ),
    );
  }
  return merged;
}

/** A value as a patch leaves it: the one given, or the stored one where it is left out. */
function patched<T>(given: T | undefined, stored: T): T {
  return given === undefined ? stored : given;
}

/** Applies an address patch to a stored address (null on create); an address left without a line is null. */
export function mergeAddress(current: StoredAddress | null, patch: AddressPatch): StoredAddress | null {
  const merged = Object.fromEntries(ADDRESS_LINES.map((line) => [line, patched(patch[line], current?.[line] ?? null)]));
  return Object.values(merged).every((value) => value === null) ? null : (merged as StoredAddress);
}

/** Applies a shipping patch to stored shipping (null on create); the result must still have a name and an address. */
export function mergeShipping(current: StoredShipping | null, patch: ShippingPatch, errors: UserError[]): StoredShipping {
  const stored = current?.address ?? null;
  const merged: StoredShipping = {
    name: patched(patch.name, current?.name ?? null),
    phone: patched(patch.phone, current?.phone ?? null),
    address: patch.address ? mergeAddress(stored, patch.address) : patched(patch.address, stored),
  };
  if (!merged.name) errors.push(userError(['input', 'shipping', 'name'], 'REQUIRED', 'input.shipping.name is required'));
  if (!merged.address) errors.push(userError(['input', 'shipping', 'address'], 'REQUIRED', 'input.shipping.address is required'));
  return merged;
}

export interface CheckedCustomerFields {
  data: Prisma.CustomerUncheckedUpdateInput;
  /** The metadata change: a patch to merge, or null to remove every key; undefined when not given. */
  metadata?: MetadataPatch | null;
  /** The address change: a patch to merge, or null to clear it; undefined when not given. */
  address?: AddressPatch | null;
  /** The shipping change: a patch to merge, or null to clear it; undefined when not given. */
  shipping?: ShippingPatch | null;
  errors: UserError[];
}

/** The columns merged rather than replaced by an input, as they are stored. */
export type MergedColumns = Pick<Customer, 'metadata' | 'address' | 'shipping'>;

/** What a new customer's input merges into. */
export const NOTHING_STORED: MergedColumns = { metadata: {}, address: null, shipping: null };

/**
 * The merged columns an input changes, merged into what is stored (`NOTHING_STORED` on create): null
 * clears metadata to {} and an address or shipping to SQL NULL. What the merge leaves invalid goes to `errors`.
 */
export function mergeCustomerFields(current: MergedColumns, checked: CheckedCustomerFields, errors: UserError[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (checked.metadata !== undefined) {
    data.metadata = checked.metadata === null ? {} : mergeMetadata(current.metadata as Record<string, string>, checked.metadata, errors);
  }
  if (checked.address !== undefined) {
    data.address = (checked.address && mergeAddress(current.address as StoredAddress | null, checked.address)) ?? Prisma.DbNull;
  }
  if (checked.shipping !== undefined) {
    data.shipping =
      checked.shipping === null ? Prisma.DbNull : mergeShipping(current.shipping as StoredShipping | null, checked.shipping, errors);
  }
  return data;
}

const NOT_NULLABLE = ['preferredLocales', 'accountBalance', 'nextInvoiceSequence', 'taxExempt', 'taxIds', 'sendEmailReceipts'] as const;

/**
 * Checks every given field against its rule and maps it to its column. Only fields present in
 * `input` are returned, so an update leaves the others as they are; null clears a field.
 */
export function checkCustomerFields(input: CustomerFieldsInput): CheckedCustomerFields {
  const v = new Validator();
  const data: Record<string, unknown> = {};
  const path = (...rest: string[]) => ['input', ...rest];
  const given = (key: keyof CustomerFieldsInput) => Object.hasOwn(input, key) && input[key] !== undefined;

  for (const key of NOT_NULLABLE) {
    if (given(key) && input[key] === null) {
      v.errors.push(userError(path(key), 'INVALID', `${key} cannot be null; leave it out to keep its value`));
    }
  }
  for (const [key, rule] of Object.entries(STRING_RULES)) {
    const field = key as keyof CustomerFieldsInput;
    if (!given(field)) continue;
    const value = input[field] as string | null;
    data[key] = value === null ? null : v.string(path(key), value, rule);
  }
  if (given('locale')) data.locale = input.locale == null ? null : v.locale(path('locale'), input.locale);
  if (given('currency')) data.currency = input.currency == null ? null : v.currency(path('currency'), input.currency);
  const address = ifGiven(input.address, (given) => v.address(path('address'), given));
  const shipping = ifGiven(input.shipping, (given) => v.shipping(path('shipping'), given));
  if (input.preferredLocales != null) {
    if (input.preferredLocales.length > LIST_LIMITS.preferredLocales) {
      v.errors.push(
        userError(path('preferredLocales'), 'INVALID', `preferredLocales can have at most ${LIST_LIMITS.preferredLocales} locales`),
      );
    }
    data.preferredLocales = input.preferredLocales.map((locale, i) => v.locale(path('preferredLocales', String(i)), locale));
  }
  if (input.accountBalance != null) {
    if (!fitsBigint(input.accountBalance)) {
      v.errors.push(
        userError(
          path('accountBalance'),
          'TOO_LARGE',
          `accountBalance must be between ${BIGINT_RANGE.min} and ${BIGINT_RANGE.max} minor units`,
        ),
      );
    }
    data.balance = input.accountBalance;
  }
  if (input.nextInvoiceSequence != null) {
    if (!Number.isInteger(input.nextInvoiceSequence) || input.nextInvoiceSequence < 1) {
      v.errors.push(userError(path('nextInvoiceSequence'), 'INVALID', 'nextInvoiceSequence must be a whole number of at least 1'));
    }
    data.nextInvoiceSequence = input.nextInvoiceSequence;
  }
  if (input.taxExempt != null) data.taxExempt = input.taxExempt;
  if (input.sendEmailReceipts != null) data.sendEmailReceipts = input.sendEmailReceipts;
  if (input.taxIds != null) {
    if (input.taxIds.length > LIST_LIMITS.taxIds) {
      v.errors.push(userError(path('taxIds'), 'INVALID', `taxIds can have at most ${LIST_LIMITS.taxIds} entries`));
    }
    data.taxIds = input.taxIds.map((taxId, i) => ({
      type: v.string(path('taxIds', String(i), 'type'), taxId.type, {
        max: 20,
        pattern: /^[a-z]{2,3}_[a-z]{2,6}$/,
        rule: 'must be a tax id type like eu_vat or us_ein',
      }),
      value: v.string(path('taxIds', String(i), 'value'), taxId.value, { max: TEXT_LIMITS.taxId }),
    }));
  }
  let metadata: MetadataPatch | null | undefined;
  if (given('metadata')) {
    metadata = input.metadata === null ? null : v.metadata(path('metadata'), input.metadata!);
  }
  return { data: data as Prisma.CustomerUncheckedUpdateInput, metadata, address, shipping, errors: v.errors };
}

/** A merchant's own id for a customer or an entity: the same rule for both. */
export function checkExternalId(path: string[], value: string, errors: UserError[]): void {
  const v = new Validator();
  v.string(path, value, STRING_RULES.externalId);
  errors.push(...v.errors);
}

/** A display name (of an entity): the customer's name rule. */
export function checkName(path: string[], value: string, errors: UserError[]): void {
  const v = new Validator();
  v.string(path, value, STRING_RULES.name);
  errors.push(...v.errors);
}
