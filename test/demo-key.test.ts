import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.ts';
import { type App, createApp } from '../src/http/app.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, createTestDatabase, type TestDatabase } from './helpers.ts';
import { recordTrust } from './support/trust-record.ts';

// The embedded demo gives GraphiQL its API key. Only a browser on the server's own machine may
// find it there: anyone else who reaches the port gets the placeholder.

const DEMO_KEY = 'sk_test_DemoKeyForLoopbackOnly00000001';
const PLACEHOLDER = 'Bearer sk_test_…';

/** An address of this machine that is not loopback, when it has one. */
const localAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

interface Page {
  status: number;
  html: string;
}

/** GETs /graphql as a browser does, over a socket from `host`, with exactly these extra headers. */
function graphiqlPage(host: string, port: number, headers: Record<string, string> = {}): Promise<Page> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path: '/graphql', headers: { accept: 'text/html', ...headers } }, (res) => {
      let html = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (html += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, html }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The Authorization header GraphiQL's page starts with. */
function offered(page: Page): string | undefined {
  expect(page.status).toBe(200);
  expect(page.html).toContain('<title>Customer graph</title>');
  return /Bearer sk_test_[0-9A-Za-z…]*/.exec(page.html)?.[0];
}

let testDb: TestDatabase;
let demoApp: App;
let demo: Server;
let withoutKey: Server;
let port: number;

/** Listens on every interface, as `npm start` does without HOST. */
function listenEverywhere(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  demoApp = createApp({ db: testDb.db, graphiqlApiKey: DEMO_KEY });
  demo = createHttpServer(demoApp, testDb.db);
  port = await listenEverywhere(demo);
  withoutKey = createHttpServer(createApp({ db: testDb.db }), testDb.db);
});

afterAll(async () => {
  await Promise.all([closeServer(demo), closeServer(withoutKey)]);
  await testDb?.drop();
});

describe('GraphiQL of the embedded demo', () => {
  it('holds the demo key for a browser on this machine, over IPv4 and IPv6 loopback', async () => {
    const ipv4 = await graphiqlPage('127.0.0.1', port);
    expect(offered(ipv4)).toBe(`Bearer ${DEMO_KEY}`);
    expect(ipv4.html.includes('Your demo API key is already in the Headers tab below.')).toBe(true);
    expect(offered(await graphiqlPage('127.0.0.1', port, { host: `localhost:${port}` }))).toBe(`Bearer ${DEMO_KEY}`);
    expect(offered(await graphiqlPage('::1', port))).toBe(`Bearer ${DEMO_KEY}`);
  });

  it.runIf(localAddress)('holds only the placeholder for a client on another address', async () => {
    const page = await graphiqlPage(localAddress!, port);
    expect(offered(page)).toBe(PLACEHOLDER);
    expect(page.html.includes('Put your API key in the Headers tab below.')).toBe(true);
  });

  it.each([
    ['X-Forwarded-For', () => ({ 'x-forwarded-for': '203.0.113.7' })],
    ['Forwarded', () => ({ forwarded: 'for=203.0.113.7;proto=https' })],
    ['X-Real-IP', () => ({ 'x-real-ip': '203.0.113.7' })],
    // DNS rebinding: a web page whose own name resolves to 127.0.0.1 would read the key.
    ['a Host that is not a loopback name', (): Record<string, string> => ({ host: `rebind.example:${port}` })],
  ])('holds only the placeholder for a loopback request with %s', async (_what, headers) => {
    expect(offered(await graphiqlPage('127.0.0.1', port, headers()))).toBe(PLACEHOLDER);
  });

  it('holds only the placeholder for a request without a socket (app.fetch)', async () => {
    const res = await demoApp.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(offered({ status: res.status, html: await res.text() })).toBe(PLACEHOLDER);
    recordTrust({
      attack: 'Demo key: GraphiQL page from another address, through a proxy, with a rebound Host',
      tries: 5 + (localAddress ? 1 : 0),
      outcome: `placeholder in ${5 + (localAddress ? 1 : 0)} of ${5 + (localAddress ? 1 : 0)}; the key only over loopback`,
      rowsChanged: '0',
    });
  });

  it('holds the placeholder on loopback too when the server has no demo key', async () => {
    const own = await listenEverywhere(withoutKey);
    expect(offered(await graphiqlPage('127.0.0.1', own))).toBe(PLACEHOLDER);
  });
});

describe('HOST', () => {
  it('is read from the environment: every interface when unset, refused when it is no address or name', () => {
    expect(loadConfig({}).host).toBeUndefined();
    expect(loadConfig({ HOST: '' }).host).toBeUndefined();
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ HOST: 'localhost' }).host).toBe('localhost');
    expect(() => loadConfig({ HOST: 'http://localhost' })).toThrow('HOST must be an IP address or a host name, got "http://localhost"');
    expect(() => loadConfig({ HOST: 'local host' })).toThrow('HOST must be');
  });

  describe('on the embedded demo as the server runs it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cg-host-'));
    let child: ChildProcess | undefined;
    let url: string;

    beforeAll(async () => {
      const started = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: new URL('..', import.meta.url).pathname,
        env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, SEED_API_KEY: DEMO_KEY, PORT: '0', HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      let output = '';
      url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server did not listen in time:\n${output}`)), 90_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        };
        started.stdout!.on('data', onData);
        started.stderr!.on('data', onData);
        started.on('exit', (code) => reject(new Error(`the server exited with ${code}:\n${output}`)));
      });
    }, 120_000);

    afterAll(async () => {
      if (child && child.exitCode === null) {
        const closed = new Promise((resolve) => child!.on('close', resolve));
        child.removeAllListeners('exit');
        child.kill('SIGTERM');
        await closed;
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('listens on HOST only, and GraphiQL there holds the demo key', async () => {
      const listening = Number(new URL(url).port);
      expect(offered(await graphiqlPage('127.0.0.1', listening))).toBe(`Bearer ${DEMO_KEY}`);
      if (localAddress) await expect(graphiqlPage(localAddress, listening)).rejects.toThrow(/ECONNREFUSED/);
    });
  });
});
