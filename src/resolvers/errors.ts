export const USER_ERROR_CODES = [
  'INVALID',
  'TOO_LONG',
  'TOO_LARGE',
  'REQUIRED',
  'NOT_FOUND',
  'EMAIL_TAKEN',
  'EXTERNAL_ID_TAKEN',
  'INVOICE_PREFIX_TAKEN',
  'VERSION_CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
] as const;

export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

/** An expected failure, returned in a payload's userErrors rather than thrown. */
export interface UserError {
  /** Path to the input field at fault, e.g. ["input", "address", "country"]. */
  field: string[];
  message: string;
  code: UserErrorCode;
}

/** Thrown inside a service to abort (and roll back) with userErrors. */
export class UserErrors extends Error {
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

export function userError(field: string[], code: UserErrorCode, message: string): UserError {
  return { field, code, message };
}
