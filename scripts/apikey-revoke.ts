// npm run apikey:revoke -- KEY: the key stops working at once, on every server process.
import { environmentOfKey, revokeApiKey } from '../src/auth/api-keys.ts';
import { runWithDatabase } from './database.ts';

const [key, ...extra] = process.argv.slice(2);
if (!key || extra.length || !environmentOfKey(key)) {
  console.error('Usage: npm run apikey:revoke -- KEY   (KEY is sk_test_… or sk_live_…)');
  process.exit(1);
}

await runWithDatabase(async (db) => {
  const revoked = await revokeApiKey(db.prisma, key);
  if (!revoked) throw new Error(`No API key ending in …${key.slice(-4)} exists on ${db.description}`);
  const what = `${revoked.env} key …${revoked.last4} of account ${revoked.accountId}`;
  console.log(revoked.newlyRevoked ? `Revoked the ${what}` : `The ${what} was already revoked`);
});
