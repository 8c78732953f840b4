// npm run seed: seeds the demo account into DATABASE_URL or the embedded database; idempotent.
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db.ts';
import { migrate } from '../src/migrate.ts';
import { DEMO_CUSTOMER_COUNT, seedDemo } from '../src/seed.ts';

const config = loadConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  const session = await db.openSession();
  await migrate(session).finally(() => session.release());
  const result = await seedDemo(db.prisma, { seedApiKey: config.seedApiKey });
  console.log(result.seeded ? `${db.description}: seeded the demo account with ${DEMO_CUSTOMER_COUNT} customers` : `${db.description}: the demo account is already there`);
  if (result.apiKey) console.log(`Demo API key: ${result.apiKey}`);
} finally {
  await db.close();
}
