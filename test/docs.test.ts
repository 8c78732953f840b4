import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withGeneratedTables } from '../scripts/readme-tables.ts';

describe('README.md', () => {
  it('holds the error catalogue and the limits as the code does (npm run docs rewrites them)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(withGeneratedTables(readme));
    expect(readme).toMatch(/\| `COST_LIMIT_EXCEEDED` +\| +400 \|/);
    expect(readme).toMatch(/\| Page size \(`first`\/`last`\) +\| 10 by default, at most 100;/);
  });
});
