// npm run seed: seeds the demo account into DATABASE_URL or the embedded database; idempotent.

import { loadConfig } from '../src/config/env.ts';
import { DEMO_CUSTOMER_COUNT, seedDemo } from '../src/demo/seed.ts';
import { runWithDatabase } from './database.ts';

await runWithDatabase(async (db) => {
  const result = await seedDemo(db.prisma, { seedApiKey: loadConfig().seedApiKey });
  console.log(
    result.seeded
      ? `${db.description}: seeded the demo account with ${DEMO_CUSTOMER_COUNT} customers`
      : `${db.description}: the demo account is already there`,
  );
  if (result.apiKey) console.log(`Demo API key: ${result.apiKey}`);
});
