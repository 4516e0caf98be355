import { getEventListeners } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS, type HttpLimits } from '../../src/http/limits.js';
import { objectSource } from '../../src/download/object-source.js';
import { locateHref } from '../../src/s3/href.js';
import { rawServer, whole, type RawServer } from './raw-server.js';

/**
 * httpSource (src/download/object-source.ts) against hostile answers: HEAD goes through the one retry loop and
 * never leaves its connection to the next request; open() is one attempt whose head has a deadline and whose
 * error body is never read.
 */

const LIMITS: HttpLimits = Object.freeze({ ...DEFAULT_LIMITS, headTimeoutMs: 300, retries: 2, retryBaseDelayMs: 10, retryMaxDelayMs: 40 });
const s3 = { region: 'us-west-2', anonymous: true, endpoint: '' };

let server: RawServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const source = (href: string) => objectSource(locateHref(href), { s3, http: createHttpClient({ limits: LIMITS }) });

test('HEAD is retried on 503 and tells size, ETag and ranges', async () => {
  server = await rawServer((req, a) => {
    if (req.index === 0) a.socket.write(whole(503, ''));
    else a.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1234\r\netag: "e1"\r\naccept-ranges: bytes\r\n\r\n');
  });
  const head = await source(`${server.url}file.img`).head(new AbortController().signal);
  expect(head).toMatchObject({ size: 1234, etag: '"e1"', ranges: true });
  expect(server.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
});

test('a body sent late after a HEAD answer is never read as the next answer', async () => {
  const body = 'x'.repeat(50);
  const afterHead = new WeakSet<object>();
  server = await rawServer((req, a) => {
    if (afterHead.has(a.socket)) {
      // A broken server sends a body after its HEAD answer; on a reused connection the client reads it as the
      // answer to its next request.
      a.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nEVIL!');
    } else if (req.method === 'HEAD') {
      afterHead.add(a.socket);
      a.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`);
    } else {
      a.socket.write(whole(200, body));
    }
  });
  const src = source(`${server.url}file.img`);
  const signal = new AbortController().signal;
  expect((await src.head(signal)).size).toBe(50);
  expect(server.requests[0].headers.connection).toBe('close'); // a single-use connection
  const opened = await src.open({ signal });
  let text = '';
  for await (const chunk of opened.body) text += String(chunk);
  expect(text).toBe(body);
});

test('open(): a body read to its end leaves no listener on the run signal', async () => {
  server = await rawServer((_req, a) => a.socket.write(whole(200, 'y'.repeat(1000))));
  const controller = new AbortController();
  const src = source(`${server.url}file.img`);
  for (let i = 0; i < 3; i += 1) {
    const opened = await src.open({ signal: controller.signal });
    await pipeline(opened.body, new Writable({ write: (_chunk, _enc, done) => done() }));
  }
  await new Promise((r) => setImmediate(r));
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});

test('open(): an error answer whose body never ends fails at once, its body unread', async () => {
  server = await rawServer((_req, a) => {
    a.socket.write('HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n');
    a.every(1, () => a.socket.write(`1000\r\n${'e'.repeat(0x1000)}\r\n`));
  });
  const started = Date.now();
  const err = await source(`${server.url}missing.img`).open({ signal: new AbortController().signal }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'ERR_DOWNLOAD_HTTP', status: 404 });
  expect(Date.now() - started).toBeLessThan(1000);
});

test('open(): a head that never comes fails within http.head_timeout', async () => {
  server = await rawServer(() => undefined);
  const started = Date.now();
  const err = await source(`${server.url}silent.img`).open({ signal: new AbortController().signal }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'ERR_HEAD_TIMEOUT', transient: true });
  expect((err as Error).message).toMatch(/no response head within 300 ms \(http\.head_timeout\)/);
  expect(Date.now() - started).toBeLessThan(1500);
  expect(server.requests).toHaveLength(1);
});

test('open(): a body that trickles below http.low_speed_limit is destroyed with ERR_LOW_SPEED, the bytes before it kept', async () => {
  server = await rawServer((_req, a) => {
    a.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n');
    a.socket.write('z'.repeat(1000));
    a.every(100, () => a.socket.write('z'));
  });
  const limits: HttpLimits = Object.freeze({ ...LIMITS, lowSpeedBytesPerSecond: 1024, lowSpeedTimeMs: 400 });
  const opened = await objectSource(locateHref(`${server.url}slow.img`), { s3, http: createHttpClient({ limits }) }).open({ signal: new AbortController().signal });
  const started = Date.now();
  let received = 0;
  const err = await (async () => {
    for await (const chunk of opened.body) received += (chunk as Buffer).length;
  })().catch((e: unknown) => e);
  // got wraps it in its own RequestError, keeping the code; the engine retries such body errors from the last byte.
  expect(err).toMatchObject({ code: 'ERR_LOW_SPEED' });
  expect((err as Error).message).toMatch(/slow\.img: the body came slower than 1 KiB\/s \(http\.low_speed_limit\) for 400 ms/);
  expect(received).toBeGreaterThanOrEqual(1000);
  expect(Date.now() - started).toBeLessThan(3000);
});
