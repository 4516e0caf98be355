import { parse } from 'yaml';
import { z } from 'zod';
import { stacSearch, stacSearchOptions } from '../../operators/stac-search.js';
import { lastValueFrom, take, toArray } from 'rxjs';
import { Demand } from '../../src/pipeline/demand.js';
import type { StageContext } from '../../src/pipeline/stage.js';
import { StacApiError, StacConformanceError } from '../../src/stac/errors.js';
import { startSandbox, KAGUYA_TC_COLLECTIONS, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { testContext } from '../helpers/context.js';

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
      ['api', 'bbox', 'collections', 'datetime', 'fields', 'filter', 'filter_lang', 'headers', 'ids', 'intersects', 'limit', 'max_items', 'method', 'per_collection', 'query', 'sortby'],
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
  return stacSearch.create(stacSearchOptions.parse(options), ctx);
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
