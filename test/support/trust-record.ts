import { appendFileSync } from 'node:fs';
import { onPostgres } from '../helpers.ts';

/** One line of TRUST.md: an attack or fault a test tried, and what came of it. */
export interface TrustFigure {
  attack: string;
  tries: number;
  /** What came back, e.g. "49 × EMAIL_TAKEN, 1 created". */
  outcome: string;
  /** Rows the attack changed, e.g. "0", or "1 customer + 1 event" where one write was meant. */
  rowsChanged: string;
  crossTenantReads?: number;
  lostWrites?: number;
  doubledWrites?: number;
}

/**
 * Appends a figure for `npm run report:trust` to TRUST_RECORD_FILE, when set. Tests call it after
 * their assertions, so a figure exists only for what passed.
 */
export function recordTrust(figure: TrustFigure): void {
  const file = process.env.TRUST_RECORD_FILE;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ database: onPostgres ? 'PostgreSQL' : 'PGlite', ...figure })}\n`);
}
