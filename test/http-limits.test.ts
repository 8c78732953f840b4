// The HTTP server's own limits (src/http/server.ts, values in src/config/limits.ts), tried with raw sockets as
// a slow or hostile client would use them, against a started server.
import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type Limits } from '../src/config/limits.ts';
import { createHttpServer } from '../src/http/server.ts';
import { closeServer, createTestApp, listenOnLoopback, type TestApp } from './helpers.ts';
import { createProcessDatabase } from './support/process-database.ts';
import { startServerProcess } from './support/server-process.ts';
import { recordTrust } from './support/trust-record.ts';

/** A raw connection: what it received, and whether the server closed it. */
interface Connection {
  socket: Socket;
  received(): string;
  /** Resolves once the connection is closed, with whether the server reset it. */
  closed: Promise<{ reset: boolean }>;
}

function open(port: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let reset = false;
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (reset = error.code === 'ECONNRESET' || reset));
    const closed = new Promise<{ reset: boolean }>((done) => socket.on('close', () => done({ reset })));
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

/** Resolves with `promise`, or rejects after a wait far longer than any limit these tests set. */
function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  await within(
    (async () => {
      while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
    })(),
    what,
  );
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseAnswer(raw: string): Answer {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

/** Whether `raw` holds a whole answer with a Content-Length. */
const isWholeAnswer = (raw: string) => {
  if (!raw.includes('\r\n\r\n')) return false;
  const answer = parseAnswer(raw);
  return Buffer.byteLength(answer.body) >= Number(answer.headers['content-length']);
};

const QUERY = JSON.stringify({ query: '{ __typename }' });

/** A JSON body of exactly `bytes` bytes: the query, padded with whitespace. */
const bodyOf = (bytes: number) => QUERY + ' '.repeat(bytes - QUERY.length);

async function startServer(limits: Limits): Promise<{ t: TestApp; server: Server; url: string; port: number }> {
  const t = await createTestApp({ limits });
  const server = createHttpServer(t.app, t.db);
  const url = await listenOnLoopback(server);
  return { t, server, url, port: (server.address() as AddressInfo).port };
}

describe('a body without Content-Length (chunked)', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    s = await startServer(DEFAULT_LIMITS);
  });
  afterAll(async () => {
    await closeServer(s?.server);
    await s?.t.close();
  });

  const head = (extra = '') =>
    `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: Bearer ${s.t.merchant.testKey}\r\n${extra}`;
  const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
  const chunked = (text: string) =>
    text
      .match(/[\s\S]{1,16384}/g)!
      .map(chunk)
      .join('');

  it(`is answered up to ${DEFAULT_LIMITS.maxBodyBytes} bytes`, async () => {
    const connection = await open(s.port);
    connection.socket.write(`${head()}Transfer-Encoding: chunked\r\n\r\n${chunked(bodyOf(DEFAULT_LIMITS.maxBodyBytes))}0\r\n\r\n`);
    await until(() => isWholeAnswer(connection.received()), 'the answer');
    const answer = parseAnswer(connection.received());
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });
    connection.socket.destroy();
  });

  const tries: string[] = [];

  it.each([110 * 1024, 200 * 1024, 2_000_000])(
    'of %i bytes is answered 413 REQUEST_ENTITY_TOO_LARGE with Connection: close, then closed without a reset',
    async (bytes) => {
      const connection = await open(s.port);
      connection.socket.write(`${head()}Transfer-Encoding: chunked\r\n\r\n${chunked(bodyOf(bytes))}0\r\n\r\n`);
      const { reset } = await within(connection.closed, 'the connection closing');
      expect(reset).toBe(false);
      const answer = parseAnswer(connection.received());
      expect(answer.status).toBe(413);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body)).toEqual({
        errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }],
      });
      tries.push(`${bytes} B`);
    },
  );

  it('past the limit is answered as soon as it passes it, and the connection closes once the client has sent the rest', async () => {
    const connection = await open(s.port);
    connection.socket.write(`${head()}Transfer-Encoding: chunked\r\n\r\n${chunked(bodyOf(DEFAULT_LIMITS.maxBodyBytes + 1))}`);
    await until(() => isWholeAnswer(connection.received()), 'the answer before the end of the body');
    expect(parseAnswer(connection.received()).status).toBe(413);
    expect(connection.socket.closed).toBe(false);
    connection.socket.write(`${chunk('x'.repeat(50_000))}0\r\n\r\n`);
    expect(await within(connection.closed, 'the connection closing')).toEqual({ reset: false });
    tries.push('answered before the end');
  });

  it('past the limit reaches fetch as a 413 with its code, as through a proxy', async () => {
    const bytes = new TextEncoder().encode(bodyOf(200 * 1024));
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16384) controller.enqueue(bytes.slice(i, i + 16384));
        controller.close();
      },
    });
    const response = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.t.merchant.testKey}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      'REQUEST_ENTITY_TOO_LARGE',
    );
    tries.push('fetch');
  });

  it('with a Content-Length past the limit is 413 too', async () => {
    const response = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.t.merchant.testKey}` },
      body: bodyOf(DEFAULT_LIMITS.maxBodyBytes + 1),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      'REQUEST_ENTITY_TOO_LARGE',
    );
    recordTrust({
      attack: 'HTTP: chunked bodies past the 100 KiB limit (110 KB, 200 KB, 2 MB; raw and through fetch)',
      tries: tries.length,
      outcome: `413 REQUEST_ENTITY_TOO_LARGE, Connection: close, no reset (${tries.join(', ')})`,
      rowsChanged: '0',
    });
  });
});

describe('a Host header that names no host', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    s = await startServer(DEFAULT_LIMITS);
  });
  afterAll(async () => {
    await closeServer(s?.server);
    await s?.t.close();
  });

  it('is answered 400 BAD_REQUEST, by POST and by GET, never 500', async () => {
    const hosts = ['a:undefined', 'a b', 'exa mple.com:80', '[::1', 'host:99999'];
    const statuses: number[] = [];
    for (const host of hosts) {
      for (const request of [
        `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${QUERY.length}\r\n\r\n${QUERY}`,
        `GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      ]) {
        const connection = await open(s.port);
        connection.socket.write(request);
        await until(() => isWholeAnswer(connection.received()), `the answer for Host: ${host}`);
        const answer = parseAnswer(connection.received());
        expect(answer.status).toBe(400);
        expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_REQUEST');
        statuses.push(answer.status);
        connection.socket.destroy();
      }
    }
    recordTrust({
      attack: 'HTTP: Host headers that name no host (5 kinds, POST and GET)',
      tries: statuses.length,
      outcome: '400 BAD_REQUEST every time',
      rowsChanged: '0',
    });
  });
});

describe('slow clients', () => {
  // Without the per-key rate limit: the requests answered meanwhile come as fast as they can.
  const limits = {
    ...DEFAULT_LIMITS,
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
    keepAliveTimeoutMs: 300,
    rateLimit: { LIVE: 0, TEST: 0 },
  };
  let s: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    s = await startServer(limits);
  });
  afterAll(async () => {
    await closeServer(s?.server);
    await s?.t.close();
  });

  async function answered(): Promise<number> {
    const response = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.t.merchant.testKey}` },
      body: QUERY,
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    return response.status;
  }

  /** The statuses of requests sent one after another on other connections until `connection` is closed. */
  async function servedUntilClosed(connection: Connection): Promise<number[]> {
    const served: number[] = [];
    while (!connection.socket.destroyed && served.length < 1000) served.push(await answered());
    await within(connection.closed, 'the slow connection closing');
    return served;
  }

  it('one sending its headers a byte at a time is answered 408 and cut, while others are served', async () => {
    const headers = `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Padding: ${'x'.repeat(200)}\r\n\r\n`;
    const connection = await open(s.port);
    let sent = 0;
    const trickle = setInterval(() => {
      if (!connection.socket.destroyed && sent < headers.length) connection.socket.write(headers[sent++]);
    }, 20);
    let servedMeanwhile: number[];
    try {
      servedMeanwhile = await servedUntilClosed(connection);
    } finally {
      clearInterval(trickle);
    }
    expect(sent).toBeLessThan(headers.length);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(servedMeanwhile.length).toBeGreaterThan(0);
    expect(servedMeanwhile.every((status) => status === 200)).toBe(true);
    recordTrust({
      attack: 'HTTP: headers sent a byte at a time (slowloris)',
      tries: 1,
      outcome: '408 and closed before its headers were complete; requests on other connections answered (200) meanwhile',
      rowsChanged: '0',
    });
  });

  it('one whose body stops short of its Content-Length is answered 408 and cut, while others are served', async () => {
    const connection = await open(s.port);
    connection.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: Bearer ${s.t.merchant.testKey}\r\nContent-Length: ${QUERY.length}\r\n\r\n${QUERY.slice(0, 10)}`,
    );
    const servedMeanwhile = await servedUntilClosed(connection);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(servedMeanwhile.length).toBeGreaterThan(0);
    recordTrust({
      attack: 'HTTP: body shorter than its Content-Length (slow body)',
      tries: 1,
      outcome: '408 and closed; requests on other connections answered (200) meanwhile',
      rowsChanged: '0',
    });
  });

  it('one that opens a connection and sends nothing is cut', async () => {
    const connection = await open(s.port);
    await within(connection.closed, 'the idle connection closing');
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a kept-alive connection left idle is closed after the keep-alive timeout', async () => {
    const connection = await open(s.port);
    connection.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${QUERY.length}\r\n\r\n${QUERY}`,
    );
    await until(() => isWholeAnswer(connection.received()), 'the answer');
    expect(await within(connection.closed, 'the idle connection closing')).toEqual({ reset: false });
  });
});

describe(`past maxConnections`, () => {
  const limits = { ...DEFAULT_LIMITS, maxConnections: 3 };
  let s: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    s = await startServer(limits);
  });
  afterAll(async () => {
    await closeServer(s?.server);
    await s?.t.close();
  });

  const connections = () =>
    new Promise<number>((resolve, reject) => s.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
  const request = `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${QUERY.length}\r\n\r\n${QUERY}`;

  it('new connections are closed unanswered while the open ones are served', async () => {
    const held = await Promise.all(Array.from({ length: limits.maxConnections }, () => open(s.port)));
    await until(async () => (await connections()) === limits.maxConnections, 'the server counting the connections');
    const refused = await Promise.all(Array.from({ length: 10 }, () => open(s.port)));
    for (const connection of refused) connection.socket.write(request);
    for (const connection of refused) await within(connection.closed, 'the connection past the cap closing');
    expect(refused.map((connection) => connection.received())).toEqual(refused.map(() => ''));

    for (const connection of held) connection.socket.write(request);
    await until(() => held.every((connection) => isWholeAnswer(connection.received())), 'the open connections answered');
    expect(held.map((connection) => parseAnswer(connection.received()).status)).toEqual(held.map(() => 401));

    held[0].socket.destroy();
    await until(async () => (await connections()) < limits.maxConnections, 'the server counting one connection fewer');
    const next = await open(s.port);
    next.socket.write(request);
    await until(() => isWholeAnswer(next.received()), 'a new connection answered once one closed');
    expect(parseAnswer(next.received()).status).toBe(401);
    for (const connection of [...held, next]) connection.socket.destroy();
    recordTrust({
      attack: `HTTP: connection flood past maxConnections (${limits.maxConnections} held, ${refused.length} more)`,
      tries: refused.length,
      outcome: `${refused.length} closed unanswered; the ${held.length} open connections answered; a new one served once one closed`,
      rowsChanged: '0',
    });
  });
});

describe('SIGTERM', () => {
  it('answers the request in flight and exits without waiting out the keep-alive timeout', async () => {
    const database = await createProcessDatabase();
    try {
      const server = await startServerProcess(database.env);
      const port = Number(new URL(server.origin).port);
      const connection = await open(port);
      // The 100 Continue tells the server has the request in hand when the signal comes.
      connection.socket.write(
        `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${QUERY.length}\r\n\r\n`,
      );
      await until(() => connection.received().startsWith('HTTP/1.1 100 Continue\r\n\r\n'), 'the 100 Continue');
      server.child.kill('SIGTERM');
      await until(
        () =>
          open(port).then(
            (other) => {
              other.socket.destroy();
              return false;
            },
            () => true,
          ),
        'the server no longer listening',
      );
      connection.socket.write(QUERY);
      await until(() => isWholeAnswer(connection.received().replace('HTTP/1.1 100 Continue\r\n\r\n', '')), 'the answer');
      expect(parseAnswer(connection.received().replace('HTTP/1.1 100 Continue\r\n\r\n', '')).status).toBe(401);
      await within(server.exited, 'the process exiting', 10_000);
      expect(server.child.exitCode).toBe(0);
    } finally {
      await database.drop();
    }
  }, 120_000);
});
