import { GraphQLError, Kind } from 'graphql';
import { DateTimeResolver, JSONObjectResolver, JSONResolver } from 'graphql-scalars';
import { compiledScalar } from '../data/compiled-read/declare.ts';
import { builder } from './builder.ts';

// DateTimeResolver writes an instant as toISOString does: UTC, milliseconds, Z.
builder.addScalarType('DateTime', DateTimeResolver, {
  extensions: compiledScalar((value) => `to_char(${value}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`),
});
builder.addScalarType('JSON', JSONResolver, {});
builder.addScalarType('JSONObject', JSONObjectResolver, {});

const INTEGER = /^-?\d+$/;

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && INTEGER.test(value) && value.length <= 40) return BigInt(value);
  throw new GraphQLError('BigInt must be a whole number, as a string of digits or a safe integer');
}

// graphql-scalars' BigInt answers a number for small values and a string for large ones; a
// client handling money must not have to expect both, so this one always answers a string.
builder.scalarType('BigInt', {
  description:
    'A whole number of any size, serialized as a string of digits ("-1250"). Accepts a string or an integer. Money amounts are in minor units (cents).',
  serialize: (value) => toBigInt(value).toString(),
  parseValue: (value) => toBigInt(value),
  parseLiteral: (ast) => {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return toBigInt(ast.value);
    throw new GraphQLError('BigInt must be a string of digits or an integer literal');
  },
  extensions: compiledScalar((value) => `(${value})::text`),
});
