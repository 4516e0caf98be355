import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { geoparquet, geoparquetOptions } from '../../../operators/geoparquet.js';
import { startSandbox, type Sandbox } from '../../../sandbox/index.js';
import { collectionHref } from '../../../src/catalog/geoparquet/collections.js';
import { newEntry, type StacItem } from '../../../src/entry.js';
import { createHttpClient } from '../../../src/http/client.js';
import type { HttpLimits } from '../../../src/http/limits.js';
import { TEST_LIMITS, testContext } from '../../helpers/context.js';
import { hyparquetRows, kvMetadata } from './read-back.js';

/**
 * `geoparquet`'s `collections: fetch` (the default): the collections the written items link, read once each
 * from the sandbox's STAC API at the end of the run, in the `stac-geoparquet` file metadata; what cannot be
 * read is a warning and is left out.
 */
const fixture = (path: string) => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));
const SCHEMA = fixture('stac-geoparquet/metadata.schema.json');
/** The schema's `version` is const 1.0.0; its spec text allows 1.1.0 too (test/fixtures/stac-geoparquet/PROVENANCE.md). */
const validateMetadata = new Ajv({ strict: false }).compile({ ...SCHEMA, properties: { ...SCHEMA.properties, version: { enum: ['1.0.0', '1.1.0'] } } });

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ collections: [{ id: 'alpha', items: 6 }, { id: 'beta', items: 6 }, { id: 'gamma', items: 6 }] });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stacflow-geoparquet-collections-'));
  sandbox.clearRequests();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Items of the sandbox as its API serves them, with their links to the API. */
async function items(collection: string, limit = 3): Promise<StacItem[]> {
  const page = (await (await fetch(`${sandbox.url}search?collections=${collection}&limit=${limit}`)).json()) as { features: StacItem[] };
  return page.features;
}

async function collectionJson(id: string): Promise<unknown> {
  return (await fetch(`${sandbox.url}collections/${id}`)).json();
}

/** Writes `written` through the stage as the engine does; returns the file's metadata, the warnings and the counters. */
async function writeCatalog(written: StacItem[], options: Record<string, unknown> = {}, limits: HttpLimits = TEST_LIMITS) {
  const path = join(dir, 'items.parquet');
  const ctx = testContext('geoparquet', { limits, http: createHttpClient({ limits }) });
  const sink = await geoparquet.create(geoparquetOptions.parse({ path, ...options }), ctx);
  for (const item of written) await sink.write(newEntry(item));
  await sink.finish();
  const meta = await kvMetadata(path);
  return { path, meta: meta['stac-geoparquet'], warnings: ctx.stats.warnings, counters: ctx.stats.stage('geoparquet').counters };
}

const collectionReads = () => sandbox.requests.filter((r) => r.path.startsWith('/collections/')).map((r) => r.path);

describe('collections: fetch (the default)', () => {
  test('each distinct collection the items link is read once and stored as the API sent it, valid against the schema', async () => {
    const written = [...(await items('alpha')), ...(await items('beta')), ...(await items('alpha', 2))];
    sandbox.clearRequests();
    const { meta, warnings, counters } = await writeCatalog(written);
    expect(collectionReads()).toEqual(['/collections/alpha', '/collections/beta']);
    expect(Object.keys(meta.collections)).toEqual(['alpha', 'beta']);
    expect(meta.collections.alpha).toEqual(await collectionJson('alpha'));
    expect(meta.collections.beta).toEqual(await collectionJson('beta'));
    expect(meta.collections.beta.id).toBe('beta'); // the key is the collection's own id, as the schema asks
    expect(validateMetadata(meta)).toBe(true);
    expect(warnings).toEqual([]);
    expect(counters).toMatchObject({ rows: 8, collections: 2 });
  });

  test('a collection that answers 500 after the retries is a warning with its href and the reason, and is left out', async () => {
    const written = [...(await items('alpha', 2)), ...(await items('beta', 2))];
    sandbox.addFault({ path: '/collections/beta', status: 500, times: Infinity });
    const { path, meta, warnings, counters } = await writeCatalog(written);
    expect(Object.keys(meta.collections)).toEqual(['alpha']);
    expect(validateMetadata(meta)).toBe(true);
    expect(warnings).toEqual([
      expect.objectContaining({ stage: 'geoparquet', code: 'W_COLLECTION_UNREAD', collection: 'beta', href: `${sandbox.url}collections/beta` }),
    ]);
    expect(warnings[0].message).toBe(
      `collection beta left out of the stac-geoparquet metadata: ${sandbox.url}collections/beta: answered 500 Internal Server Error after 3 retries: ` +
        `InternalServerError: Internal Server Error (ERR_STAC_HTTP)`,
    );
    expect(collectionReads().filter((p) => p === '/collections/beta')).toHaveLength(1 + TEST_LIMITS.retries);
    expect(counters).toMatchObject({ rows: 4, collections: 1 });
    expect((await hyparquetRows(path)).map((r) => r.collection)).toEqual(['alpha', 'alpha', 'beta', 'beta']); // rows all there
  });

  test('a collection that answers 404, or answers another collection, is a warning each', async () => {
    const alpha = await items('alpha', 1);
    const lost = { ...alpha[0], id: 'lost-1', collection: 'lost', links: [{ rel: 'collection', href: `${sandbox.url}collections/lost` }] };
    const wrong = { ...alpha[0], id: 'wrong-1', collection: 'delta', links: [{ rel: 'collection', href: `${sandbox.url}collections/gamma` }] };
    const { meta, warnings } = await writeCatalog([...alpha, lost, wrong]);
    expect(Object.keys(meta.collections)).toEqual(['alpha']);
    expect(warnings.map((w) => [w.code, w.collection])).toEqual([['W_COLLECTION_UNREAD', 'lost'], ['W_COLLECTION_UNREAD', 'delta']]);
    expect(warnings[0].message).toMatch(/collections\/lost: answered 404 Not Found: NotFound/);
    expect(warnings[1].message).toMatch(/collections\/gamma: it answered collection "gamma", not collection "delta"$/);
  });

  test('a server that never answers cannot hold the run: all reads end by http.give_up_after, with a warning', async () => {
    const limits: HttpLimits = { ...TEST_LIMITS, headTimeoutMs: 200, requestTimeoutMs: 200, retries: 10, giveUpAfterMs: 1_000 };
    sandbox.addFault({ path: '/collections/alpha', stallHead: true, stallMs: 30_000, times: Infinity });
    const started = Date.now();
    const { meta, warnings } = await writeCatalog(await items('alpha', 2), {}, limits);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(meta.collections).toEqual({});
    expect(warnings).toEqual([expect.objectContaining({ code: 'W_COLLECTION_UNREAD', collection: 'alpha', href: `${sandbox.url}collections/alpha` })]);
    expect(warnings[0].message).toMatch(/alpha: .*(head|deadline|http\.give_up_after)/);
  }, 15_000);

  test('an unreachable origin is tried for one collection; its others are not tried and say why', async () => {
    const closed = 'http://127.0.0.1:9'; // the discard port: nothing listens there on the test machines
    const [template] = await items('alpha', 1);
    const at = (collection: string): StacItem => ({ ...template, id: `${collection}-1`, collection, links: [{ rel: 'collection', href: `${closed}/collections/${collection}` }] });
    const limits: HttpLimits = { ...TEST_LIMITS, retries: 1 };
    const { meta, warnings } = await writeCatalog([at('one'), at('two'), at('three'), at('four'), at('five')], {}, limits);
    expect(meta.collections).toEqual({});
    expect(warnings.map((w) => w.collection)).toEqual(expect.arrayContaining(['one', 'two', 'three', 'four', 'five']));
    // Four reads start at once; the fifth waits, finds the origin down, and is not tried.
    expect(warnings.find((w) => w.collection === 'five')?.message).toBe(
      `collection five left out of the stac-geoparquet metadata: ${closed}/collections/five: not tried: ${closed} was unreachable`,
    );
    expect(warnings.find((w) => w.collection === 'one')?.message).toMatch(/ECONNREFUSED|refused/);
  });

  test('items that link their collection nowhere: one warning per collection', async () => {
    const [template] = await items('alpha', 1);
    const unlinked = (id: string): StacItem => ({ ...template, id, collection: 'nowhere', links: [] });
    const { meta, warnings } = await writeCatalog([unlinked('a'), unlinked('b'), { ...template, collection: undefined, links: [] }]);
    expect(meta.collections).toEqual({});
    expect(validateMetadata(meta)).toBe(true);
    expect(warnings).toEqual([
      {
        stage: 'geoparquet',
        code: 'W_COLLECTION_UNLOCATED',
        collection: 'nowhere',
        message: 'collection nowhere left out of the stac-geoparquet metadata: its items link it nowhere (no collection, parent or root link)',
      },
    ]);
    expect(collectionReads()).toEqual([]);
  });
});

describe('collections: none, or given', () => {
  test('none writes an empty collections object and reads nothing', async () => {
    const { meta, warnings } = await writeCatalog(await items('alpha', 2), { collections: 'none' });
    expect(meta).toEqual({ version: '1.1.0', collections: {} });
    expect(validateMetadata(meta)).toBe(true);
    expect(warnings).toEqual([]);
    expect(collectionReads()).toEqual([]);
  });

  test('Collection JSON given by id is written as given, and nothing is read', async () => {
    const given = { alpha: { type: 'Collection', id: 'alpha', stac_version: '1.0.0', description: 'given', license: 'CC0-1.0', links: [] } };
    const { meta } = await writeCatalog(await items('alpha', 2), { collections: given });
    expect(meta.collections).toEqual(given);
    expect(collectionReads()).toEqual([]);
  });

  test('the option takes fetch, none or an object by id; anything else is refused at load', () => {
    expect(geoparquetOptions.parse({ path: 'x.parquet' }).collections).toBe('fetch');
    expect(geoparquetOptions.safeParse({ path: 'x.parquet', collections: 'all' }).success).toBe(false);
    expect(geoparquetOptions.safeParse({ path: 'x.parquet', collections: { alpha: 'text' } }).success).toBe(false);
  });
});

describe('collectionHref: where an item says its collection is', () => {
  const item = (links: Array<{ rel: string; href: string }>): StacItem => ({ type: 'Feature', id: 'i', collection: 'c 1', geometry: null, properties: {}, assets: {}, links });
  const API = 'https://stac.example.org/api';

  test('its collection link first', () => {
    expect(collectionHref(item([{ rel: 'root', href: `${API}/` }, { rel: 'collection', href: `${API}/collections/other` }]), 'c 1')).toBe(`${API}/collections/other`);
  });

  test('else its parent when that is /collections/{id}, else its root + collections/{id}', () => {
    expect(collectionHref(item([{ rel: 'parent', href: `${API}/collections/c%201/` }]), 'c 1')).toBe(`${API}/collections/c%201/`);
    expect(collectionHref(item([{ rel: 'parent', href: `${API}/catalogs/x` }, { rel: 'root', href: API }]), 'c 1')).toBe(`${API}/collections/c%201`);
    expect(collectionHref(item([{ rel: 'root', href: `${API}//` }]), 'c 1')).toBe(`${API}/collections/c%201`);
  });

  test('relative hrefs against the self link; without one, or with no link, nothing', () => {
    expect(collectionHref(item([{ rel: 'self', href: `${API}/collections/c/items/i` }, { rel: 'collection', href: '../../c' }]), 'c 1')).toBe(`${API}/collections/c`);
    expect(collectionHref(item([{ rel: 'collection', href: '../../c' }]), 'c 1')).toBeUndefined();
    expect(collectionHref(item([]), 'c 1')).toBeUndefined();
  });
});
