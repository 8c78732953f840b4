// npm run account:create -- --name "Acme Inc": a merchant account with one TEST and one LIVE key.
import { parseArgs } from 'node:util';
import { createAccount } from '../src/auth/accounts.ts';
import { runWithDatabase } from './database.ts';

function nameArgument(): string {
  const name = parseArgs({ options: { name: { type: 'string' } } }).values.name?.trim();
  if (!name || name.length > 200) throw new Error('--name must be 1 to 200 characters');
  return name;
}

let name: string;
try {
  name = nameArgument();
} catch (error) {
  console.error(`${error instanceof Error ? error.message : error}\nUsage: npm run account:create -- --name NAME`);
  process.exit(1);
}

await runWithDatabase(async (db) => {
  const account = await createAccount(db.prisma, name);
  console.log(`Account ${account.accountId} (${name}) on ${db.description}`);
  console.log(`TEST key: ${account.testKey}`);
  console.log(`LIVE key: ${account.liveKey}`);
  console.log('Keep the keys now: only their hashes are stored, they cannot be shown again.');
});
