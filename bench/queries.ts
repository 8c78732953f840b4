/** The GraphQL documents of the scenarios; the statement-count test sends the same ones. */

const MONEY = '{ minorUnits amount currency }';
const SUBSCRIPTION =
  '{ id planId status addOn quantity entityId startedAt currentPeriodStart currentPeriodEnd trialEndsAt canceledAt expiresAt createdAt }';
const PURCHASE = '{ id planId quantity status entityId expiresAt createdAt }';
const BALANCE = '{ id featureId granted usage remaining unlimited overageAllowed interval nextResetAt entityId updatedAt }';
const ADDRESS = '{ line1 line2 city state postalCode country }';
const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

/** Every field of a customer, and every field of everything nested in it, one level deep. */
export const CUSTOMER_FIELDS = `
  id externalId name email phone description companyName taxId
  address ${ADDRESS}
  shipping { name phone address ${ADDRESS} }
  metadata metadataEntries { key value }
  env livemode locale preferredLocales currency
  accountBalance ${MONEY} accountBalanceMinorUnits
  delinquent invoicePrefix nextInvoiceSequence taxExempt taxIds { type value }
  fingerprint stripeId sendEmailReceipts createdAt updatedAt deleted deletedAt version
  subscriptions ${SUBSCRIPTION}
  purchases ${PURCHASE}
  balances ${BALANCE}
  balance(featureId: "api_calls") ${BALANCE}
  entities { id externalId name featureId createdAt subscriptions ${SUBSCRIPTION} purchases ${PURCHASE} balances ${BALANCE} }
  trialsUsed { id planId fingerprint createdAt }
  rewards { id code type percentOff amountOff ${MONEY} planId duration durationInMonths expiresAt createdAt }
  referrals {
    id programId code redeemedAt createdAt
    reward { id code type percentOff amountOff ${MONEY} planId duration durationInMonths expiresAt createdAt }
    referredCustomer { id name email }
  }
  paymentMethod { id type card { brand last4 expMonth expYear } isDefault createdAt }
  stats { invoiceCount chargeCount totalSpent ${MONEY} totalSpentByCurrency ${MONEY} }
  invoices { totalCount ${PAGE_INFO} edges { cursor node { id number status total ${MONEY} currency planIds hostedUrl createdAt } } }
  charges { totalCount ${PAGE_INFO} edges { cursor node { id amount ${MONEY} currency status invoiceId createdAt } } }
  events { totalCount ${PAGE_INFO} edges { cursor node { id type customerId data createdAt } } }
`;

/**
 * Every relation that costs a SQL statement, without the objects that cost none, so that a page
 * of 100 stays within the cost limit: for checking that statements do not grow with the page.
 */
export const CUSTOMER_RELATIONS = `id subscriptions { id } purchases { id } balances { id } balance(featureId: "api_calls") { id }
  entities { id } trialsUsed { id } rewards { id } referrals { id reward { id } referredCustomer { id } }
  paymentMethod { id } stats { invoiceCount chargeCount }
  invoices { totalCount edges { node { id } } } charges { totalCount edges { node { id } } } events { totalCount edges { node { id } } }`;

export const customersPageOf = (fields: string) =>
  `query CustomersPageOf($first: Int!) { customers(first: $first) { edges { node { ${fields} } } } }`;

export const CUSTOMERS_PAGE = `query CustomersPage($first: Int!) {
  customers(first: $first) { ${PAGE_INFO} edges { cursor node { ${CUSTOMER_FIELDS} } } }
}`;

export const CUSTOMER_BY_ID = `query CustomerById($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} } }`;

/** A light selection, so the cost of finding the page is not hidden behind its nested data. */
export const CUSTOMERS_AFTER = `query CustomersAfter($first: Int!, $after: String) {
  customers(first: $first, after: $after) { ${PAGE_INFO} edges { cursor node { id name email createdAt } } }
}`;

export const CUSTOMER_ENTITIES = `query CustomerEntities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer { id name email subscriptions { id planId status } balances { featureId remaining } }
  }
}`;

export const CREATE_CUSTOMER = `mutation CreateCustomer($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id name email createdAt } userErrors { field message code } }
}`;

export const TRACK_USAGE = `mutation TrackUsage($input: TrackUsageInput!) {
  trackUsage(input: $input) { balance { id featureId usage remaining } userErrors { field message code } }
}`;

/** The first customers a filter finds: an email lookup, or a search. */
export const CUSTOMERS_FOUND = `query CustomersFound($filter: CustomerFilter!) {
  customers(first: 20, filter: $filter) { edges { node { id name email createdAt } } }
}`;

/** A page of customers, with the count of the whole list or without it. */
export const CUSTOMERS_COUNTED = `query CustomersCounted($first: Int!, $counted: Boolean!) {
  customers(first: $first) { totalCount @include(if: $counted) edges { node { id name email createdAt } } }
}`;
