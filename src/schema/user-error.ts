import { USER_ERROR_CATALOGUE, USER_ERROR_CODES, type UserError, type UserErrorCode } from '../domain/errors.ts';
import { builder } from './builder.ts';

export const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  description: 'Why a mutation refused its input.',
  values: Object.fromEntries(USER_ERROR_CODES.map((code) => [code, { value: code, description: USER_ERROR_CATALOGUE[code] }])) as {
    [K in UserErrorCode]: { value: K; description: string };
  },
});

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'An expected failure of a mutation: invalid input, not found, or a conflict. Nothing was written.',
  fields: (t) => ({
    field: t.exposeStringList('field', {
      nullable: true,
      description: 'Path to the input field at fault, e.g. ["input", "address", "country"]; null when no single field is.',
    }),
    message: t.exposeString('message', { description: 'What went wrong and the rule that was broken, for people.' }),
    code: t.expose('code', { type: UserErrorCodeEnum, description: 'What went wrong, for programs.' }),
  }),
});
