import { getEventListeners } from 'node:events';
import type net from 'node:net';
import { DEFAULT_LIMITS, KiB, type HttpLimits } from '../../src/http/limits.js';
import type { S3Settings } from '../../src/s3/settings.js';
import { watchingCount } from '../../src/s3/abort-watch.js';
import { closeS3Clients, getObjectBytes } from '../../src/s3/client.js';
import { S3ObjectError } from '../../src/s3/errors.js';
import { ok, type Script, LABEL, serversPerTest, until } from './scripted-server.js';

/**
 * The deadlines and the run's abort of a label read (getObjectBytes of a public object), which the transport
 * enforces itself (transport.ts, retry.ts's Attempt: no AbortController a read): the whole-request deadline
 * ends a body that comes fast enough for the low-speed limit but never ends; the run's abort ends every read
 * in flight through one listener; a finished read leaves nothing on the run's signal.
 */

const LIMITS: HttpLimits = Object.freeze({
  ...DEFAULT_LIMITS,
  headTimeoutMs: 2000,
  lowSpeedBytesPerSecond: 1000,
  lowSpeedTimeMs: 400,
  requestTimeoutMs: 700,
  retries: 1,
  retryBaseDelayMs: 20,
  retryMaxDelayMs: 40,
  giveUpAfterMs: 20_000,
});
const HREF = 's3://bucket/label.pvl';

const serve = serversPerTest(closeS3Clients);

const settingsFor = (s: { endpoint: string }): S3Settings => ({ region: 'us-west-2', anonymous: true, endpoint: s.endpoint, limits: LIMITS });

/** 100 bytes every 50 ms (2,000 bytes/s: above the low-speed limit) of a body that would take a minute. */
function slowEndlessBody(_: unknown, socket: net.Socket): void {
  socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${120 * KiB}\r\n\r\n`);
  const timer = setInterval(() => socket.write('x'.repeat(100)), 50);
  socket.once('close', () => clearInterval(timer));
}

test('a body that keeps coming above the low-speed limit fails at http.request_timeout, each attempt', async () => {
  const s = await serve(slowEndlessBody);
  const started = Date.now();
  const err = await getObjectBytes(settingsFor(s), HREF).then(() => undefined, (e: unknown) => e);
  const ms = Date.now() - started;
  expect(err).toBeInstanceOf(S3ObjectError);
  expect(err).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT', errorClass: 'retryable', attempts: 2, href: HREF });
  expect((err as Error).message).toContain('http.request_timeout = 0.7 s');
  // The server may log the second request after the client gave up on it (a loaded machine): wait for it.
  await until(() => s.requests.length >= 2);
  expect(s.requests).toHaveLength(2);
  // Two attempts of 0.7 s and a short wait; never the minute the body would take (a loose bound: the machine
  // may be loaded, and the two attempts and ERR_REQUEST_TIMEOUT above already say which deadline ended it).
  expect(ms).toBeGreaterThanOrEqual(1350);
  expect(ms).toBeLessThan(30_000);
});

test('the run\'s abort ends every read in flight at once, through one listener on its signal', async () => {
  const s = await serve(() => undefined); // reads the requests, never answers
  const run = new AbortController();
  const reads = Array.from({ length: 8 }, (_, i) => getObjectBytes(settingsFor(s), `s3://bucket/label-${i}.pvl`, { signal: run.signal }).then(() => undefined, (e: unknown) => e));
  while (s.requests.length < 8) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(getEventListeners(run.signal, 'abort')).toHaveLength(1);
  expect(watchingCount(run.signal)).toBe(8);
  const reason = new Error('run cancelled');
  run.abort(reason);
  const errors = await Promise.all(reads);
  // Each read ended with the abort's own reason, not a deadline's error: the abort ended it (no clock needed).
  expect(errors.every((e) => e === reason)).toBe(true);
  expect(s.requests).toHaveLength(8);
  expect(watchingCount(run.signal)).toBe(0);
});

test('reads that finished, well or not, leave nothing watching the run\'s signal', async () => {
  const notFound = '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';
  const s = await serve((request, socket) => {
    if (request.path.endsWith('missing.pvl')) socket.write(`HTTP/1.1 404 Not Found\r\nContent-Length: ${notFound.length}\r\n\r\n${notFound}`);
    else socket.write(ok(LABEL));
  });
  const run = new AbortController();
  const settings = settingsFor(s);
  const read = await getObjectBytes(settings, HREF, { signal: run.signal });
  expect(Buffer.from(read.body).equals(LABEL)).toBe(true);
  await expect(getObjectBytes(settings, 's3://bucket/missing.pvl', { signal: run.signal })).rejects.toMatchObject({ code: 'ERR_S3_NOT_FOUND' });
  await expect(getObjectBytes(settings, HREF, { signal: run.signal, maxBytes: 10 })).rejects.toMatchObject({ code: 'ERR_S3_TOO_LARGE' });
  expect(watchingCount(run.signal)).toBe(0);
});
