import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientSettings, createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { httpRequest } from '../../src/http/request.js';
import { VERSION } from '../../src/version.js';

/** A loopback server that answers from a script: the first requests get the scripted replies, then 200. */
async function scriptedServer(script: Array<{ status: number; headers?: Record<string, string> }>) {
  const seen: Array<{ method: string; at: number; ua?: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, at: Date.now(), ua: req.headers['user-agent'], body });
      const step = script.shift() ?? { status: 200 };
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(JSON.stringify({ ok: step.status === 200, body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const fast = Object.freeze({ ...DEFAULT_LIMITS, retries: 3, retryBaseDelayMs: 5, retryMaxDelayMs: 20, maxRetryAfterMs: 5000 });
const body = { bytes: 1024 * 1024, code: 'ERR_STAC_TOO_LARGE', key: 'max_page_bytes' };

test("got's own retry is off: one 503 is one request (src/http/request.ts is the one retry loop)", async () => {
  const server = await scriptedServer([{ status: 503 }, { status: 503 }]);
  try {
    await expect(createHttpClient({ limits: fast }).get(server.url).json()).rejects.toMatchObject({ response: { statusCode: 503 } });
    expect(server.seen).toHaveLength(1);
  } finally {
    await server.close();
  }
});

test('a POST is retried after 503s and its body is sent again', async () => {
  const server = await scriptedServer([{ status: 503 }, { status: 503 }]);
  try {
    const answer = await httpRequest(createHttpClient({ limits: fast }), { method: 'POST', url: server.url, json: { a: 1 } }, { body });
    expect(JSON.parse(answer.body.toString())).toEqual({ ok: true, body: '{"a":1}' });
    expect(server.seen.map((s) => s.method)).toEqual(['POST', 'POST', 'POST']);
    expect(server.seen.every((s) => s.body === '{"a":1}')).toBe(true);
  } finally {
    await server.close();
  }
});

test('429 with Retry-After: 1 waits about a second before the retry', async () => {
  const server = await scriptedServer([{ status: 429, headers: { 'retry-after': '1' } }]);
  try {
    await httpRequest(createHttpClient({ limits: fast }), { method: 'GET', url: server.url }, { body });
    expect(server.seen).toHaveLength(2);
    // Retry-After is a lower bound on the wait (backoff alone would have been 5 ms).
    expect(server.seen[1].at - server.seen[0].at).toBeGreaterThanOrEqual(950);
  } finally {
    await server.close();
  }
});

test('gives up after the retry limit with the last HTTP error, each retry told to onRetry', async () => {
  const server = await scriptedServer([{ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 }, { status: 502 }]);
  const retries: number[] = [];
  try {
    const client = createHttpClient({ limits: fast, onRetry: (info) => retries.push(info.attempt) });
    await expect(httpRequest(client, { method: 'GET', url: server.url }, { body })).rejects.toMatchObject({ code: 'ERR_HTTP_STATUS', status: 502, retries: 3 });
    expect(server.seen).toHaveLength(4);
    expect(retries).toEqual([1, 2, 3]);
  } finally {
    await server.close();
  }
});

test('404 is not retried', async () => {
  const server = await scriptedServer([{ status: 404 }]);
  try {
    await expect(httpRequest(createHttpClient({ limits: fast }), { method: 'GET', url: server.url }, { body })).rejects.toMatchObject({ status: 404, retries: 0 });
    expect(server.seen).toHaveLength(1);
  } finally {
    await server.close();
  }
});

test('every request says stacflow/<version>', async () => {
  const server = await scriptedServer([]);
  try {
    await httpRequest(createHttpClient({ limits: fast }), { method: 'GET', url: server.url }, { body });
    expect(server.seen[0].ua).toBe(`stacflow/${VERSION}`);
  } finally {
    await server.close();
  }
});

test('the client carries its limits and onRetry to every request made through it', () => {
  const onRetry = () => undefined;
  const client = createHttpClient({ limits: fast, onRetry });
  expect(clientSettings(client)).toMatchObject({ limits: fast, onRetry });
  expect(clientSettings(client.extend({ headers: { a: 'b' } })).limits).toBe(fast);
});

test('connections are kept alive across requests, and no listener stays on the signal', async () => {
  let connections = 0;
  const server = http.createServer((_req, res) => res.end('{}'));
  server.on('connection', () => (connections += 1));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const controller = new AbortController();
  try {
    const client = createHttpClient({ limits: fast });
    for (let i = 0; i < 20; i += 1) await httpRequest(client, { method: 'GET', url }, { body, signal: controller.signal });
    expect(connections).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
