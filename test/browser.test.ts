import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/data/database.ts';
import { migrateDatabase } from '../src/data/migrate.ts';
import { DEMO_CUSTOMER_COUNT, seedDemo } from '../src/demo/seed.ts';
import { createApp } from '../src/http/app.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, listenOnLoopback } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const DEMO_KEY = 'sk_test_BrowserDemoKey000000000000';
const SCREENSHOT = new URL('./artifacts/graphiql.png', import.meta.url).pathname;

let folder: string;
let db: Database;
let server: Server;
let browser: BrowserContext;
let graphiqlUrl: string;

// The embedded demo as `npm start` builds it on a first start: PGlite in a data folder,
// migrated, seeded, and GraphiQL given the demo key.
async function startEmbeddedDemo(): Promise<string> {
  db = await openDatabase({ dataDir: join(folder, 'data') });
  await migrateDatabase(db);
  await seedDemo(db.prisma, { seedApiKey: DEMO_KEY });
  server = createHttpServer(createApp({ db, graphiqlApiKey: DEMO_KEY }), db);
  return listenOnLoopback(server);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}. Install Debian's package: apt-get update && apt-get install -y chromium`);
  }
  folder = mkdtempSync(join(tmpdir(), 'customer-graph-browser-'));
  graphiqlUrl = await startEmbeddedDemo();
  browser = await chromium.launchPersistentContext(join(folder, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
  await closeServer(server);
  await db?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

it('runs the demo query in GraphiQL with the demo key it was given, and shows seeded customers', async () => {
  const page = await browser.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(graphiqlUrl, { waitUntil: 'load' });

  const runButton = page.locator('.graphiql-execute-button');
  await runButton.waitFor({ state: 'visible' });
  await runButton.click();

  // The response editor renders spaces as no-break spaces.
  const responseText = async () => ((await page.locator('.graphiql-response').textContent()) ?? '').replaceAll('\u00a0', ' ');
  await expect.poll(responseText, { timeout: 30_000 }).toContain(`"totalCount": ${DEMO_CUSTOMER_COUNT},`);
  const text = await responseText();
  expect(text).toMatch(/"id": "cus_\w+"/);
  expect(text).toMatch(/"email": "[a-z.-]+\.\d+@example\.com"/);
  expect(text).not.toContain('UNAUTHENTICATED');
  // GraphiQL is served whole by this server: no CDN, so it works offline.
  const origin = new URL(graphiqlUrl).origin;
  expect(requested.filter((url) => !url.startsWith(origin) && !/^(data|blob):/.test(url))).toEqual([]);

  mkdirSync(new URL('./artifacts/', import.meta.url), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});
