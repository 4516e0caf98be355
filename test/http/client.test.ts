import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../../src/http/client.js';
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

const fast = { retry: { limit: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5000 } };

test('a POST is retried after 503s and its body is sent again', async () => {
  const server = await scriptedServer([{ status: 503 }, { status: 503 }]);
  try {
    const reply = await createHttpClient(fast).post(server.url, { json: { a: 1 } }).json<{ ok: boolean; body: string }>();
    expect(reply).toEqual({ ok: true, body: '{"a":1}' });
    expect(server.seen.map((s) => s.method)).toEqual(['POST', 'POST', 'POST']);
    expect(server.seen.every((s) => s.body === '{"a":1}')).toBe(true);
  } finally {
    await server.close();
  }
});

test('429 with Retry-After: 1 waits about a second before the retry', async () => {
  const server = await scriptedServer([{ status: 429, headers: { 'retry-after': '1' } }]);
  try {
    await createHttpClient(fast).get(server.url).json();
    expect(server.seen).toHaveLength(2);
    // Retry-After is a lower bound on the wait (backoff alone would have been 5 ms).
    expect(server.seen[1].at - server.seen[0].at).toBeGreaterThanOrEqual(950);
  } finally {
    await server.close();
  }
});

test('gives up after the retry limit with the last HTTP error', async () => {
  const server = await scriptedServer([{ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 }, { status: 502 }]);
  const retries: number[] = [];
  try {
    const client = createHttpClient({ ...fast, onRetry: (info) => retries.push(info.attempt) });
    await expect(client.get(server.url).json()).rejects.toMatchObject({ response: { statusCode: 502 } });
    expect(server.seen).toHaveLength(4);
    expect(retries).toEqual([1, 2, 3]);
  } finally {
    await server.close();
  }
});

test('404 is not retried', async () => {
  const server = await scriptedServer([{ status: 404 }]);
  try {
    await expect(createHttpClient(fast).get(server.url).json()).rejects.toMatchObject({ response: { statusCode: 404 } });
    expect(server.seen).toHaveLength(1);
  } finally {
    await server.close();
  }
});

test('every request says stacflow/<version>', async () => {
  const server = await scriptedServer([]);
  try {
    await createHttpClient(fast).get(server.url).json();
    expect(server.seen[0].ua).toBe(`stacflow/${VERSION}`);
  } finally {
    await server.close();
  }
});
