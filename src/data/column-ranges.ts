/**
 * What PostgreSQL's column types can hold. A value outside them fails its statement, so input
 * is checked against them before any statement is sent.
 */
export const BIGINT_RANGE = { min: -(2n ** 63n), max: 2n ** 63n - 1n } as const;

// timestamp(3) reaches back to 4713 BC, but instants travel as ISO 8601 text with a four-digit
// year and PostgreSQL has no year 0000: years 0001 to 9999 are the ones both sides read alike.
const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

export const INSTANT_RANGE_TEXT = 'between 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z';

export function fitsBigint(value: bigint): boolean {
  return value >= BIGINT_RANGE.min && value <= BIGINT_RANGE.max;
}

export function fitsTimestamp(instant: Date): boolean {
  const time = instant.getTime();
  return time >= EARLIEST_INSTANT && time <= LATEST_INSTANT;
}
