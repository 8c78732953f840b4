/** Every field of a customer, every nested relation and aggregate. */
export const EVERY_FIELD = `
  id externalId name email phone description companyName taxId
  address { line1 line2 city state postalCode country }
  shipping { name phone address { line1 city country } }
  metadata metadataEntries { key value } env livemode locale preferredLocales currency
  accountBalance { minorUnits amount currency } accountBalanceMinorUnits delinquent invoicePrefix nextInvoiceSequence
  taxExempt taxIds { type value } fingerprint stripeId sendEmailReceipts createdAt updatedAt deleted deletedAt version
  subscriptions { id planId status addOn quantity entityId startedAt currentPeriodStart currentPeriodEnd trialEndsAt canceledAt expiresAt createdAt }
  purchases { id planId quantity status entityId expiresAt createdAt }
  balances { id featureId granted usage remaining unlimited overageAllowed interval nextResetAt entityId updatedAt }
  balance(featureId: "api_calls") { id featureId remaining }
  entities { id externalId name featureId createdAt subscriptions { id planId } purchases { id } balances { id featureId remaining } }
  trialsUsed { id planId fingerprint createdAt }
  rewards { id code type percentOff amountOff { minorUnits currency } planId duration durationInMonths expiresAt createdAt }
  referrals { id programId code redeemedAt createdAt referredCustomer { id email } reward { id code } }
  paymentMethod { id type isDefault card { brand last4 expMonth expYear } createdAt }
  stats { invoiceCount chargeCount totalSpent { minorUnits amount currency } totalSpentByCurrency { minorUnits currency } }
  invoices(first: 3) { totalCount edges { cursor node { id number status total { minorUnits amount currency } currency planIds hostedUrl createdAt } } pageInfo { hasNextPage endCursor } }
  charges(first: 3) { totalCount edges { node { id amount { minorUnits currency } currency status invoiceId createdAt } } }
  events(first: 3) { totalCount edges { node { id type customerId data createdAt } } }
`;
/** Relations and aggregates above, each allowed one statement: the budget of the batching test. */
export const SELECTED_RELATIONS = 21;
