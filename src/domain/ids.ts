import { randomBytes } from 'node:crypto';

/** Prefixes of the Stripe-style ids; the prefix names the type, so an id is its own global id. */
export const ID_PREFIXES = {
  Account: 'acct',
  ApiKey: 'key',
  Customer: 'cus',
  Subscription: 'sub',
  Purchase: 'pur',
  Balance: 'bal',
  Invoice: 'inv',
  Charge: 'ch',
  Entity: 'ent',
  TrialUsed: 'trl',
  Reward: 'rwd',
  Referral: 'ref',
  ReferralCode: 'rcd',
  PaymentMethod: 'pm',
  Event: 'evt',
} as const;

export type IdType = keyof typeof ID_PREFIXES;

/**
 * The GraphQL type of each kind of object where it is not its model's name: GraphQL reserves
 * `Subscription` for the root type of live updates, so a plan subscription is `PlanSubscription`.
 */
const GRAPHQL_TYPE_NAMES: Partial<Record<IdType, string>> = { Subscription: 'PlanSubscription' };

export function graphqlTypeName(type: IdType): string {
  return GRAPHQL_TYPE_NAMES[type] ?? type;
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomToken(length: number): string {
  // Rejection sampling keeps every character equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function newId(type: IdType): string {
  return `${ID_PREFIXES[type]}_${randomToken(24)}`;
}

const TYPE_BY_PREFIX = new Map<string, IdType>(Object.entries(ID_PREFIXES).map(([type, prefix]) => [prefix, type as IdType]));

/** The type an id names by its prefix, or undefined for a malformed id. */
export function typeOfId(id: string): IdType | undefined {
  const match = /^([a-z]+)_[0-9A-Za-z]{1,64}$/.exec(id);
  return match ? TYPE_BY_PREFIX.get(match[1]) : undefined;
}

/** The GraphQL type an id names by its prefix, or undefined for a malformed id. */
export function graphqlTypeOfId(id: string): string | undefined {
  const type = typeOfId(id);
  return type && graphqlTypeName(type);
}
