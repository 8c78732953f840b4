import { type GraphQLSchema, type GraphQLUnionType, getNamedType, isObjectType, lexicographicSortSchema } from 'graphql';
import { type ConnectionArgs, checkConnectionArgs } from '../data/pagination.ts';
import { badArgument } from '../domain/errors.ts';
import { builder } from './builder.ts';
import './scalars.ts';
import './user-error.ts';
import './money.ts';
import './subscription.ts';
import './purchase.ts';
import './balance.ts';
import './plan.ts';
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
import './live.ts';

builder.queryType({ description: "Read the customer graph of the caller's account and environment." });
builder.mutationType({
  description: 'Change customers, their plans, usage, entities and referrals; every mutation is one transaction with its event.',
});

/**
 * A gateway sends `{ __typename, id }` of an entity type. @apollo/subgraph's resolver throws a
 * plain error for any other type name, and the loaders one for a missing id: both would be 500s
 * for what is a malformed argument.
 */
function refuseMalformedRepresentations(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve) return schema;
  const entityTypes = (getNamedType(field.type) as GraphQLUnionType).getTypes().map((type) => type.name);
  field.resolve = (source, args, context, info) => {
    (args.representations as { __typename?: unknown; id?: unknown }[]).forEach(({ __typename, id }, index) => {
      if (typeof __typename !== 'string' || !entityTypes.includes(__typename)) {
        throw badArgument('representations', `item ${index} must have a __typename of ${entityTypes.join(', ')}`);
      }
      if (typeof id !== 'string') throw badArgument('representations', `item ${index} must have an id, a string`);
    });
    return resolve(source, args, context, info);
  };
  return schema;
}

/**
 * plugin-prisma caps a page size past its maximum and reads a cursor of another list as a row it
 * cannot find: every connection field checks its arguments first (../data/pagination.ts), so that
 * both are refused, naming the argument.
 */
function checkConnectionArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const connection = getNamedType(field.type);
      if (!isObjectType(connection) || !('edges' in connection.getFields() && 'pageInfo' in connection.getFields())) continue;
      const edge = getNamedType(connection.getFields().edges.type);
      const nodeType = isObjectType(edge) ? getNamedType(edge.getFields().node.type).name : '';
      const resolve = field.resolve;
      if (!resolve) continue;
      // A connection on an object (a customer's invoices) pages that object's list: its cursors carry its id.
      const parentId = (source: unknown) => (type === schema.getQueryType() ? undefined : (source as { id: string }).id);
      field.resolve = (source, args, context, info) => {
        checkConnectionArgs(args as ConnectionArgs, nodeType, parentId(source));
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}

export const schema = checkConnectionArguments(
  refuseMalformedRepresentations(
    lexicographicSortSchema(builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' })),
  ),
);
