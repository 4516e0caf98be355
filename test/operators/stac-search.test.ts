import { parse } from 'yaml';
import { z } from 'zod';
import { stacSearch, stacSearchOptions } from '../../operators/stac-search.js';
import { lastValueFrom, take, toArray } from 'rxjs';
import { Demand } from '../../src/engine/demand.js';
import type { StageContext } from '../../src/engine/stage.js';
import { StacApiError, StacConformanceError } from '../../src/stac/errors.js';
import { startSandbox, KAGUYA_TC_COLLECTIONS, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { pino, type Logger } from 'pino';
import { createHttpClient } from '../../src/http/client.js';
import { sourceOf, TEST_LIMITS, testContext } from '../helpers/context.js';
import { rawServer, whole, TEST_CERT, type RawRequest, type RawServer } from '../http/raw-server.js';

const ITEM_SEARCH_CLASSES = ['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search'];

describe('stac_search options', () => {
  it('reads its documented example', () => {
    const yaml = parse(stacSearch.example) as { stac_search: Record<string, unknown> };
    const options = stacSearchOptions.parse({ ...yaml.stac_search, api: 'https://stac.astrogeology.usgs.gov/api/' });
    expect(options).toMatchObject({ per_collection: true, bbox: [3, 4, 5, 6], datetime: '2007/..', max_items: 200 });
    expect(options.collections).toHaveLength(3);
  });

  it('has a JSON Schema for editors, every option described', () => {
    const schema = z.toJSONSchema(stacSearchOptions, { io: 'input' }) as { properties: Record<string, { description?: string }>; required: string[] };
    expect(schema.required).toEqual(['api']);
    for (const [name, property] of Object.entries(schema.properties)) expect([name, typeof property.description]).toEqual([name, 'string']);
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['api', 'bbox', 'check_conformance', 'collections', 'conforms_to', 'datetime', 'fields', 'filter', 'filter_lang', 'headers', 'ids', 'incremental', 'intersects', 'limit', 'max_items', 'method', 'per_collection', 'query', 'sortby'],
    );
  });

  it.each([
    [{ bbox: [-58.5, 9, -57.5, 8] }, ['bbox'], /south \(9\) is greater than north \(8\)/],
    [{ datetime: '2020-13' }, ['datetime'], /no such month/],
    [{ per_collection: true }, ['per_collection'], /needs `collections`/],
    [{ bbox: [0, 0, 1, 1], intersects: { type: 'Point', coordinates: [0, 0] } }, ['intersects'], /either bbox or intersects/],
    [{ limit: 0 }, ['limit'], /./],
    [{ method: 'PUT' }, ['method'], /./],
    [{ max_item: 3 }, [], /max_item/],
  ])('reports %j at its path', (extra, path, message) => {
    const result = stacSearchOptions.safeParse({ api: 'https://stac.astrogeology.usgs.gov/api/', ...extra });
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0];
    expect(issue.path).toEqual(path);
    expect(issue.message).toMatch(message);
  });

  it('reads a YAML 1.1 timestamp as an instant', () => {
    const options = stacSearchOptions.parse({ api: 'http://127.0.0.1/', datetime: [new Date(Date.UTC(2009, 5, 7)), null] });
    expect(options.datetime).toEqual(['2009-06-07T00:00:00.000Z', null]);
  });
});

// Against the sandbox (a stac-server v4 look-alike on 127.0.0.1).

const [STEREO, SPSUPPORT, MONO] = KAGUYA_TC_COLLECTIONS;
const LABEL = 'stac_search';

async function withSandbox(options: SandboxOptions, body: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const sandbox = await startSandbox({ itemsPerCollection: 40, ...options });
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

function search(options: Record<string, unknown>, ctx: StageContext = testContext(LABEL)) {
  return sourceOf(stacSearch, stacSearchOptions.parse(options), ctx);
}

const ids = async (options: Record<string, unknown>, ctx?: StageContext) =>
  (await lastValueFrom(search(options, ctx).pipe(toArray()))).map((e) => e.item.id);

const searches = (sandbox: Sandbox) => sandbox.requests.filter((r) => r.path === '/search');

describe('stac_search against the sandbox', () => {
  it('pages through a POST search: every matching item once, in the server order', async () => {
    await withSandbox({}, async (sandbox) => {
      const expected = sandbox.catalog.search({ collections: [...KAGUYA_TC_COLLECTIONS] }).map((m) => m.id);
      expect(expected).toHaveLength(120);
      const ctx = testContext(LABEL);
      expect(await ids({ api: sandbox.url, collections: [...KAGUYA_TC_COLLECTIONS], limit: 7 }, ctx)).toEqual(expected);
      // 18 pages of items, then the empty last page stac-server sends.
      const posts = searches(sandbox);
      expect(posts.every((r) => r.method === 'POST' && r.status === 200)).toBe(true);
      expect(posts).toHaveLength(19);
      expect(posts[0].body).toEqual({ collections: [...KAGUYA_TC_COLLECTIONS], limit: 7 });
      expect(ctx.stats.stage(LABEL).out).toBe(120);
      expect(ctx.stats.stage(LABEL).counters).toMatchObject({ pages: 19, requests: 20, expected: 120, [`items:${MONO}`]: 40, [`items:${STEREO}`]: 40 });
    });
  });

  it('pages through a GET search with the same result', async () => {
    await withSandbox({}, async (sandbox) => {
      const expected = sandbox.catalog.search({ collections: [MONO, SPSUPPORT], bbox: [-180, -60, 180, 60] }).map((m) => m.id);
      expect(await ids({ api: sandbox.url, collections: [MONO, SPSUPPORT], bbox: [-180, -60, 180, 60], limit: 5, method: 'GET' })).toEqual(expected);
      const gets = searches(sandbox);
      expect(gets.every((r) => r.method === 'GET')).toBe(true);
      expect(gets).toHaveLength(Math.ceil(expected.length / 5) + 1);
      expect(gets[0].query).toEqual({ collections: `${MONO},${SPSUPPORT}`, bbox: '-180,-60,180,60', limit: '5' });
      expect(new Set(gets.map((r) => r.url)).size).toBe(gets.length);
    });
  });

  it('runs one search per collection, one after the other, each cut to max_items', async () => {
    await withSandbox({}, async (sandbox) => {
      const expected = KAGUYA_TC_COLLECTIONS.flatMap((c) => sandbox.catalog.search({ collections: [c] }).slice(0, 15).map((m) => m.id));
      const ctx = testContext(LABEL);
      expect(await ids({ api: sandbox.url, collections: [...KAGUYA_TC_COLLECTIONS], per_collection: true, max_items: 15, limit: 10 }, ctx)).toEqual(expected);
      // Two pages per collection (10 + 5 items): no third page asked for, no empty page.
      expect(searches(sandbox).map((r) => (r.body as { collections: string[] }).collections[0])).toEqual([STEREO, STEREO, SPSUPPORT, SPSUPPORT, MONO, MONO]);
      expect(ctx.stats.stage(LABEL).counters).toMatchObject({ [`items:${STEREO}`]: 15, [`items:${SPSUPPORT}`]: 15, [`items:${MONO}`]: 15, expected: 45 });
    });
  });

  it('asks for no page beyond max_items, even when it ends on a page boundary', async () => {
    await withSandbox({}, async (sandbox) => {
      expect(await ids({ api: sandbox.url, collections: MONO, limit: 10, max_items: 20 })).toHaveLength(20);
      expect(searches(sandbox)).toHaveLength(2);
    });
  });

  it('cuts limit to max_items, as pystac-client does', async () => {
    await withSandbox({}, async (sandbox) => {
      expect(await ids({ api: sandbox.url, max_items: 3, limit: 100 })).toHaveLength(3);
      expect(searches(sandbox).map((r) => (r.body as { limit: number }).limit)).toEqual([3]);
    });
  });

  it('stops at the empty last page', async () => {
    await withSandbox({ collections: [{ id: 'tiny', items: 4 }] }, async (sandbox) => {
      const ctx = testContext(LABEL);
      expect(await ids({ api: sandbox.url, limit: 2 }, ctx)).toHaveLength(4);
      expect(searches(sandbox)).toHaveLength(3);
      expect(ctx.stats.stage(LABEL).counters.pages).toBe(3);
    });
  });

  it('ends with ERR_STAC_NEXT_LOOP when a next link repeats a request, after the items before it', async () => {
    await withSandbox({ repeatNextLink: true }, async (sandbox) => {
      const seen: string[] = [];
      const err = await new Promise((resolve, reject) => {
        search({ api: sandbox.url, collections: MONO, limit: 5 }).subscribe({ next: (e) => seen.push(e.item.id), error: resolve, complete: () => reject(new Error('completed')) });
      });
      expect(err).toBeInstanceOf(StacApiError);
      expect(err).toMatchObject({ code: 'ERR_STAC_NEXT_LOOP', errorClass: 'fatal' });
      expect((err as Error).message).toMatch(/page 2: the next link asks again for page 2/);
      // Pages 1 and 2 were delivered; page 2's next link repeats page 2's own request.
      expect(seen).toEqual(sandbox.catalog.search({ collections: [MONO] }).slice(0, 10).map((m) => m.id));
      expect(searches(sandbox)).toHaveLength(2);
    });
  });

  it('retries 503s and a 429 with Retry-After, and still gets every item', async () => {
    const faults = [
      { path: '/search', method: 'POST', status: 503, times: 2 },
      { path: '/search', method: 'POST', status: 429, times: 1, skip: 1, retryAfter: '1' },
    ];
    await withSandbox({ faults }, async (sandbox) => {
      const ctx = testContext(LABEL);
      const expected = sandbox.catalog.search({ collections: [MONO] }).map((m) => m.id);
      expect(await ids({ api: sandbox.url, collections: MONO, limit: 20 }, ctx)).toEqual(expected);
      expect(searches(sandbox).map((r) => r.status)).toEqual([503, 503, 200, 429, 200, 200]);
      expect(ctx.stats.stage(LABEL).counters).toMatchObject({ retries: 3, pages: 3, requests: 4 });
    });
  });

  it('refuses a filter the API does not declare, before any search', async () => {
    const conformsTo = ['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search'];
    await withSandbox({ conformsTo }, async (sandbox) => {
      const err = await ids({ api: sandbox.url, filter: { op: '=', args: [{ property: 'collection' }, MONO] } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StacConformanceError);
      expect(err).toMatchObject({ parameter: 'filter', conformanceClass: 'https://api.stacspec.org/v1.0.0/item-search#filter', errorClass: 'fatal' });
      expect(sandbox.requests.map((r) => r.path)).toEqual(['/']);
    });
  });

  it('turns a 400 of the API into a clear error with its own words', async () => {
    await withSandbox({}, async (sandbox) => {
      const err = (await ids({ api: sandbox.url, filter: { op: 'frobnicate', args: [] } }).catch((e: unknown) => e)) as StacApiError;
      expect(err).toBeInstanceOf(StacApiError);
      expect(err).toMatchObject({ code: 'ERR_STAC_BAD_REQUEST', status: 400, apiCode: 'BadRequest', errorClass: 'fatal', url: `${sandbox.url}search` });
      expect(err.description).toMatch(/frobnicate/);
      expect(err.message).toMatch(/^stac_search: search, page 1: POST http:\/\/127\.0\.0\.1:\d+\/search answered 400 Bad Request: BadRequest: .*frobnicate.*check them/);
    });
  });

  it('works with links written with double slashes and an api without its trailing slash', async () => {
    await withSandbox({ doubleSlashLinks: true }, async (sandbox) => {
      const expected = sandbox.catalog.search({ collections: [MONO] }).map((m) => m.id);
      expect(await ids({ api: sandbox.url.replace(/\/$/, ''), collections: MONO, limit: 15 })).toEqual(expected);
      expect(await ids({ api: sandbox.url, collections: MONO, limit: 15, method: 'GET' })).toEqual(expected);
    });
  });

  it('keeps one page in flight ahead of what the pipeline has room for, never more', async () => {
    await withSandbox({}, async (sandbox) => {
      const demand = new Demand(5);
      const ctx = testContext(LABEL, { demand });
      const seen: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        search({ api: sandbox.url, collections: [...KAGUYA_TC_COLLECTIONS], limit: 10 }, ctx).subscribe({ next: (e) => seen.push(e.item.id), complete: resolve, error: reject });
      });
      while (searches(sandbox).length < 2 || searches(sandbox)[1].status === 0) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toHaveLength(5);
      expect(searches(sandbox)).toHaveLength(2);
      // The pipeline drains: give every slot back as soon as it is taken.
      const drain = setInterval(() => demand.release(demand.pending), 1);
      await done;
      clearInterval(drain);
      expect(seen).toHaveLength(120);
    });
  });

  it('stops requesting pages when the pipeline unsubscribes', async () => {
    await withSandbox({}, async (sandbox) => {
      const first = await lastValueFrom(search({ api: sandbox.url, limit: 5 }).pipe(take(3), toArray()));
      expect(first).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 100));
      expect(searches(sandbox).length).toBeLessThanOrEqual(2);
    });
  });

  it('runs its documented example', async () => {
    await withSandbox({ itemsPerCollection: 300 }, async (sandbox) => {
      const yaml = parse(stacSearch.example) as { stac_search: Record<string, unknown> };
      const options = { ...yaml.stac_search, api: sandbox.url };
      const expected = KAGUYA_TC_COLLECTIONS.flatMap((c) =>
        sandbox.catalog.search({ collections: [c], bbox: [3, 4, 5, 6], datetime: '2007-01-01T00:00:00Z/..' }).slice(0, 200).map((m) => m.id),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(await ids(options)).toEqual(expected);
    });
  });
});

describe('stac_search: credentials stay with the api', () => {
  const SECRET = 'Bearer s3cret';

  /** A STAC API on raw TCP answering JSON by path; `pages` maps a path+query to a page. */
  async function jsonServer(route: (req: RawRequest, root: string) => unknown, https = false): Promise<RawServer> {
    const holder: { root: string } = { root: '' };
    const srv = await rawServer((req, a) => {
      const body = route(req, holder.root);
      a.socket.write(body === undefined ? whole(404, '{"code":"NotFound"}') : whole(200, JSON.stringify(body)));
    }, { https });
    holder.root = srv.url;
    return srv;
  }

  const landing = (root: string, method: 'GET' | 'POST' = 'GET') => ({
    stac_version: '1.0.0',
    id: 'api',
    conformsTo: ITEM_SEARCH_CLASSES,
    links: [{ rel: 'search', href: `${root}search`, method }],
  });
  const page = (ids: string[], next?: Record<string, unknown>) => ({
    type: 'FeatureCollection',
    features: ids.map((id) => ({ type: 'Feature', stac_version: '1.0.0', id, collection: 'c', geometry: null, properties: {}, assets: {}, links: [] })),
    links: next ? [{ rel: 'next', ...next }] : [],
  });

  function logged(): { log: Logger; lines: Array<{ msg: string; level: number }> } {
    const lines: Array<{ msg: string; level: number }> = [];
    return { lines, log: pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as { msg: string; level: number }) }) };
  }

  it('sends headers to the api origin only: a next link to another origin gets none of them (said once)', async () => {
    const other = await jsonServer((req) => (req.path === '/search?page=2' ? page(['b1'], { href: '/search?page=3' }) : req.path === '/search?page=3' ? page(['b2']) : undefined));
    const api = await jsonServer((req, root) => (req.path === '/' ? landing(root) : req.path === '/search' ? page(['a1'], { href: `${other.url}search?page=2` }) : undefined));
    try {
      const { log, lines } = logged();
      const ctx = testContext(LABEL, { log });
      expect(await ids({ api: api.url, method: 'GET', headers: { Authorization: SECRET, 'X-Api-Key': 'k' } }, ctx)).toEqual(['a1', 'b1', 'b2']);
      expect(api.requests.map((r) => [r.path, r.headers.authorization, r.headers['x-api-key']])).toEqual([
        ['/', SECRET, 'k'],
        ['/search', SECRET, 'k'],
      ]);
      expect(other.requests.map((r) => r.path)).toEqual(['/search?page=2', '/search?page=3']);
      for (const r of other.requests) {
        expect(r.headers.authorization).toBeUndefined();
        expect(r.headers['x-api-key']).toBeUndefined();
        expect(JSON.stringify(r.headers)).not.toContain('s3cret');
      }
      const said = lines.filter((l) => /not sending/.test(l.msg));
      expect(said).toHaveLength(1);
      expect(said[0].msg).toBe(`${LABEL}: not sending Authorization, X-Api-Key to ${other.url.replace(/\/$/, '')}: headers go to the api's origin (${api.url.replace(/\/$/, '')}) only`);
    } finally {
      await Promise.all([api.close(), other.close()]);
    }
  });

  it('never sends them over plain http after https', async () => {
    const plain = await jsonServer((req) => (req.path.startsWith('/search') ? page(['p1']) : undefined));
    const api = await jsonServer((req, root) => (req.path === '/' ? landing(root) : req.path === '/search' ? page(['s1'], { href: `${plain.url}search?page=2` }) : undefined), true);
    try {
      const http = createHttpClient({ limits: TEST_LIMITS }).extend({ https: { certificateAuthority: TEST_CERT } });
      const ctx = testContext(LABEL, { http });
      expect(api.url).toMatch(/^https:/);
      expect(await ids({ api: api.url, method: 'GET', headers: { Authorization: SECRET } }, ctx)).toEqual(['s1', 'p1']);
      expect(api.requests.every((r) => r.headers.authorization === SECRET)).toBe(true);
      expect(plain.requests).toHaveLength(1);
      expect(plain.requests[0].headers.authorization).toBeUndefined();
    } finally {
      await Promise.all([api.close(), plain.close()]);
    }
  });

  it('POST next links with merge: the link headers go with their link, the previous ones and credentials stay home', async () => {
    const other = await jsonServer((req) => (req.path === '/search' ? page(['b1']) : undefined));
    const api = await jsonServer((req, root) => {
      if (req.path === '/') return landing(root, 'POST');
      if (req.path !== '/search') return undefined;
      const body = JSON.parse(req.body) as { token?: string };
      if (body.token === undefined) return page(['a1'], { href: `${root}search`, method: 'POST', body: { token: 'p2' }, merge: true, headers: { 'X-Session': 'abc' } });
      return page(['a2'], { href: `${other.url}search`, method: 'POST', body: { token: 'p3' }, merge: true, headers: { 'X-Page': '3', Authorization: SECRET } });
    });
    try {
      expect(await ids({ api: api.url, limit: 1, headers: { Authorization: SECRET } })).toEqual(['a1', 'a2', 'b1']);
      const [, second] = api.requests.filter((r) => r.path === '/search');
      expect(second.headers).toMatchObject({ authorization: SECRET, 'x-session': 'abc' });
      expect(other.requests).toHaveLength(1);
      const sent = other.requests[0];
      expect(JSON.parse(sent.body)).toEqual({ limit: 1, token: 'p3' });
      expect(sent.headers['x-page']).toBe('3');
      expect(sent.headers['x-session']).toBeUndefined();
      expect(sent.headers.authorization).toBeUndefined();
    } finally {
      await Promise.all([api.close(), other.close()]);
    }
  });
});

describe('stac_search: the http: limits and faults', () => {
  it('reads its limits from ctx.limits: a page over max_page_bytes ends the run', async () => {
    await withSandbox({}, async (sandbox) => {
      const ctx = testContext(LABEL, { limits: { ...TEST_LIMITS, maxPageBytes: 4096 } });
      const err = (await ids({ api: sandbox.url, collections: MONO, limit: 20 }, ctx).catch((e: unknown) => e)) as StacApiError;
      expect(err).toBeInstanceOf(StacApiError);
      expect(err).toMatchObject({ code: 'ERR_STAC_TOO_LARGE', errorClass: 'fatal' });
      expect(err.message).toMatch(/^stac_search: search of \S+, page 1: POST .*\/search: the body is larger than http\.max_page_bytes = 4 KiB \(/);
      expect(searches(sandbox)).toHaveLength(1);
    });
  });

  it('survives a landing page and search pages cut short after their 200 head, and gets every item', async () => {
    const faults = [
      { path: '/', cutAfterBytes: 40, times: 1 },
      { path: '/search', method: 'POST', cutAfterBytes: 100, times: 1, skip: 1 },
      { path: '/search', method: 'POST', stallAfterBytes: 10, stallMs: 5000, times: 1 },
    ];
    await withSandbox({ faults }, async (sandbox) => {
      const ctx = testContext(LABEL, { limits: { ...TEST_LIMITS, lowSpeedTimeMs: 300 } });
      const expected = sandbox.catalog.search({ collections: [MONO] }).map((m) => m.id);
      expect(await ids({ api: sandbox.url, collections: MONO, limit: 15 }, ctx)).toEqual(expected);
      expect(ctx.stats.stage(LABEL).counters).toMatchObject({ retries: 3 });
    });
  });
});
