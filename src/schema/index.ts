import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder.ts';
import './scalars.ts';
import './user-error.ts';
import './money.ts';
import './subscription.ts';
import './purchase.ts';
import './balance.ts';
import './entity.ts';
import './invoice.ts';
import './charge.ts';
import './trial.ts';
import './reward.ts';
import './referral.ts';
import './payment-method.ts';
import './event.ts';
import './customer.ts';
import './node.ts';

builder.queryType({ description: 'Read the customer graph of the caller\'s account and environment.' });
builder.mutationType({ description: 'Change customers; every mutation is one transaction with its event.' });

export const schema = lexicographicSortSchema(builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' }));
