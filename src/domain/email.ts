/**
 * How emails compare: regardless of case and of Unicode compatibility forms (a fullwidth Ａ is an
 * A). The database folds every stored email into Customer.emailFolded with the SQL function
 * customer_email_folded, lower(normalize(email, NFKC)), whatever writes it, and compares that
 * form for uniqueness; this is the same fold for what a caller filters by, letter by letter as
 * PostgreSQL's lower() maps them (İ to i, Σ to σ anywhere). test/email-fold.test.ts holds the two
 * to the same answers.
 */
export function foldEmail(email: string): string {
  return Array.from(email.normalize('NFKC'), (letter) => String.fromCodePoint(letter.toLowerCase().codePointAt(0) ?? 0)).join('');
}
