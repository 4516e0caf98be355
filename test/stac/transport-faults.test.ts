import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS, type HttpLimits } from '../../src/http/limits.js';
import { openStacApi } from '../../src/stac/client.js';
import { StacApiError } from '../../src/stac/errors.js';
import { searchPages } from '../../src/stac/paging.js';
import type { TransportOptions } from '../../src/stac/transport.js';
import { rawServer, whole, type Answering, type RawRequest, type RawServer } from '../http/raw-server.js';
import { ITEM_SEARCH, item } from './fake-api.js';

/**
 * The STAC API transport against hostile answers (raw TCP): bodies cut short after their 200 head are asked
 * again (landing page, conformance, pages); a stalled or oversized page ends the search with a run-fatal
 * error naming the request and what happened, never "answered 200 OK".
 */

const LIMITS: HttpLimits = Object.freeze({
  ...DEFAULT_LIMITS,
  maxPageBytes: 64 * 1024,
  headTimeoutMs: 500,
  lowSpeedBytesPerSecond: 1000,
  lowSpeedTimeMs: 300,
  requestTimeoutMs: 3000,
  retries: 2,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 40,
});

let server: RawServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const transport = (over: Partial<TransportOptions> = {}): TransportOptions => ({ http: createHttpClient({ limits: LIMITS }), limits: LIMITS, ...over });

/** Answers `body` whole, or (for the request numbers in `cut`) its head and a third of it, then closes. */
function cutThenWhole(a: Answering, body: string, cut: boolean): void {
  if (!cut) {
    a.socket.write(whole(200, body));
    return;
  }
  a.socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, Math.floor(body.length / 3))}`);
  a.after(10, () => a.socket.destroy());
}

const landing = (root: string) => JSON.stringify({ stac_version: '1.0.0', id: 'hostile', links: [{ rel: 'search', href: `${root}search`, method: 'GET' }] });
const page = (ids: string[]) => JSON.stringify({ type: 'FeatureCollection', features: ids.map((id) => item(id)), links: [] });

describe('a STAC API answer cut short after its 200 head', () => {
  it('is asked again for the landing page and conformance', async () => {
    const counts = new Map<string, number>();
    server = await rawServer((req: RawRequest, a) => {
      const n = counts.get(req.path) ?? 0;
      counts.set(req.path, n + 1);
      if (req.path === '/') cutThenWhole(a, landing(server!.url), n === 0);
      else if (req.path === '/conformance') cutThenWhole(a, JSON.stringify({ conformsTo: ITEM_SEARCH }), n < 2);
      else a.socket.write(whole(404, '{}'));
    });
    const requests: number[] = [];
    const api = await openStacApi(server.url, transport({ onRequest: ({ retries }) => requests.push(retries) }));
    expect(api.conformsTo).toEqual(ITEM_SEARCH);
    expect(server.requests.map((r) => r.path)).toEqual(['/', '/', '/conformance', '/conformance', '/conformance']);
    expect(requests).toEqual([1, 2]);
  });

  it('is asked again for a search page, and every item arrives', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `item-${i}`);
    server = await rawServer((req, a) => cutThenWhole(a, page(ids), req.index === 0));
    const pages = [];
    for await (const p of searchPages({ method: 'GET', url: `${server.url}search` }, transport())) pages.push([...p.items].map((i) => i.id));
    expect(pages).toEqual([ids]);
    expect(server.requests).toHaveLength(2);
  });

  it('ends the run with ERR_BODY_CUT_SHORT when every attempt is cut, saying so', async () => {
    server = await rawServer((_req, a) => cutThenWhole(a, landing(server!.url), true));
    const err = (await openStacApi(server.url, transport()).catch((e: unknown) => e)) as StacApiError;
    expect(err).toBeInstanceOf(StacApiError);
    expect(err).toMatchObject({ code: 'ERR_BODY_CUT_SHORT', errorClass: 'fatal' });
    expect(err.message).toMatch(/^landing page: GET http:\/\/127\.0\.0\.1:\d+\/ failed after 2 retries: body cut short at \d+ of \d+ bytes\./);
    expect(err.message).not.toMatch(/answered 200/);
    expect(server.requests).toHaveLength(3);
  });
});

/** Answers `body` with no Content-Length, ended by closing the connection: whole, or (when `cut`) its first half. */
function closeDelimited(a: Answering, body: string, cut: boolean): void {
  a.socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${cut ? body.slice(0, Math.floor(body.length / 2)) : body}`);
}

describe('a search page delimited by the connection\'s close (no Content-Length)', () => {
  const ids = Array.from({ length: 30 }, (_, i) => `item-${i}`);
  const search = async () => {
    const pages: string[][] = [];
    for await (const p of searchPages({ method: 'GET', url: `${server!.url}search` }, transport())) pages.push([...p.items].map((i) => i.id));
    return pages;
  };

  it('is taken at once when its JSON is whole', async () => {
    server = await rawServer((_req, a) => closeDelimited(a, page(ids), false));
    expect(await search()).toEqual([ids]);
    expect(server.requests).toHaveLength(1);
  });

  it('cut short, is told by its unclosed JSON and asked again', async () => {
    server = await rawServer((req, a) => closeDelimited(a, page(ids), req.index === 0));
    expect(await search()).toEqual([ids]);
    expect(server.requests).toHaveLength(2);
  });

  it('cut short every time, ends the run with ERR_BODY_CUT_SHORT saying why, not with a JSON error', async () => {
    server = await rawServer((_req, a) => closeDelimited(a, page(ids), true));
    const err = (await search().catch((e: unknown) => e)) as StacApiError;
    expect(err).toBeInstanceOf(StacApiError);
    expect(err).toMatchObject({ code: 'ERR_BODY_CUT_SHORT', errorClass: 'fatal' });
    expect(err.message).toMatch(/^search, page 1: GET http:\/\/127\.0\.0\.1:\d+\/search failed after 2 retries: body cut short: \d+ bytes came before the connection closed \(no Content-Length\), ending mid-document\./);
    expect(server.requests).toHaveLength(3);
  });
});

describe('a search page that breaks a limit', () => {
  const searchOnce = async (srv: RawServer) => {
    const it = searchPages({ method: 'POST', url: `${srv.url}search`, body: { limit: 10 } }, { ...transport(), label: 'search' });
    return it.next().catch((e: unknown) => e) as Promise<StacApiError>;
  };

  it('that stalls ends the run with ERR_LOW_SPEED after the retries', async () => {
    server = await rawServer((_req, a) => {
      a.socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"type":');
      a.every(1000, () => a.socket.write(' '));
    });
    const started = Date.now();
    const err = await searchOnce(server);
    expect(err).toBeInstanceOf(StacApiError);
    expect(err).toMatchObject({ code: 'ERR_LOW_SPEED', errorClass: 'fatal', method: 'POST' });
    expect(err.message).toMatch(/^search, page 1: POST http:\/\/127\.0\.0\.1:\d+\/search failed after 2 retries: body stalled: fewer than 1000 bytes\/s for 300 ms/);
    expect(server.requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('that never ends is refused past http.max_page_bytes, not retried', async () => {
    server = await rawServer((_req, a) => {
      a.socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      a.every(1, () => a.socket.write(`1000\r\n${'['.repeat(0x1000)}\r\n`));
    });
    const err = await searchOnce(server);
    expect(err).toMatchObject({ code: 'ERR_STAC_TOO_LARGE', errorClass: 'fatal' });
    expect(err.message).toMatch(/^search, page 1: POST .*\/search: the body is larger than http\.max_page_bytes = 64 KiB \(\d+ bytes read and more coming\)\. The run stops/);
    expect(server.requests).toHaveLength(1);
  });

  it('with a head that never comes ends the run with ERR_HEAD_TIMEOUT', async () => {
    server = await rawServer(() => undefined);
    const err = await searchOnce(server);
    expect(err).toMatchObject({ code: 'ERR_HEAD_TIMEOUT', errorClass: 'fatal' });
    expect(err.message).toMatch(/failed after 2 retries: no response head within 500 ms \(http\.head_timeout\)/);
  });
});
