import { lastValueFrom, toArray } from 'rxjs';
import { stacSearch, stacSearchOptions } from '../../operators/stac-search.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createHttpClient } from '../../src/http/client.js';
import { openStacApi } from '../../src/stac/client.js';
import { checkCollections, StacUnknownCollectionError } from '../../src/stac/collections-check.js';
import type { TransportOptions } from '../../src/stac/transport.js';
import { sourceOf, TEST_LIMITS, testContext } from '../helpers/context.js';
import { fakeApi, item, ITEM_SEARCH } from './fake-api.js';

/**
 * Issue 13: a wrong collection name is loud. `/collections/{id}` is read before any search; a 404 there with
 * the id absent from `/collections` ends the run with did-you-mean; an API without collection endpoints is a
 * warning and the search goes on. Against the sandbox and a scripted API on 127.0.0.1.
 */

const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const STEREO = 'kaguya_terrain_camera_stereoscopic_uncontrolled_observations';

let sandbox: Sandbox;
beforeAll(async () => { sandbox = await startSandbox({ itemsPerCollection: 20, s3: { enabled: false }, itemAssets: true }); });
afterAll(async () => { await sandbox.close(); });
beforeEach(() => sandbox.clearRequests());

const transport = (): TransportOptions => ({ http: createHttpClient({ limits: TEST_LIMITS }), limits: TEST_LIMITS });

async function search(options: Record<string, unknown>, api = sandbox.url) {
  const ctx = testContext('stac_search', { limits: TEST_LIMITS, http: createHttpClient({ limits: TEST_LIMITS }) });
  try {
    const entries = await lastValueFrom(sourceOf(stacSearch, stacSearchOptions.parse({ api, ...options }), ctx).pipe(toArray()));
    return { ids: entries.map((e) => e.item.id), warnings: ctx.stats.warnings };
  } catch (error) {
    return { error, warnings: ctx.stats.warnings };
  }
}

describe('checkCollections', () => {
  test('known collections give their documents, with item_assets where the API has them', async () => {
    const api = await openStacApi(sandbox.url, transport());
    const lookups = await checkCollections(api, [MONO, STEREO, MONO], transport(), () => { throw new Error('no warning expected'); });
    expect(lookups.map((l) => [l.kind, l.id])).toEqual([['found', MONO], ['found', STEREO]]);
    const [mono] = lookups;
    expect(mono.kind === 'found' && Object.keys(mono.document.item_assets as object)).toContain('caminfo_pvl');
    expect(sandbox.requests.filter((r) => r.path.startsWith('/collections/')).map((r) => r.path)).toEqual([`/collections/${MONO}`, `/collections/${STEREO}`]);
  });

  test('unknown ids are one error naming each, with did-you-mean against /collections', async () => {
    const api = await openStacApi(sandbox.url, transport());
    const error = await checkCollections(api, [MONO, 'kaguya_terrain_camera_stereoscopic_uncontroled_observations', 'mars'], transport(), () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StacUnknownCollectionError);
    const err = error as StacUnknownCollectionError;
    expect(err.code).toBe('ERR_STAC_UNKNOWN_COLLECTION');
    expect(err.errorClass).toBe('fatal');
    expect(err.unknown.map((u) => [u.id, u.suggestion])).toEqual([
      ['kaguya_terrain_camera_stereoscopic_uncontroled_observations', STEREO],
      ['mars', undefined],
    ]);
    expect(err.message).toContain(`the API has no collection "kaguya_terrain_camera_stereoscopic_uncontroled_observations" (${sandbox.url}collections/kaguya_terrain_camera_stereoscopic_uncontroled_observations answered 404); did you mean "${STEREO}"?`);
    expect(err.message).toContain(`the API has no collection "mars" (${sandbox.url}collections/mars answered 404); ${sandbox.url}collections lists: ${STEREO}, `);
  });
});

describe('stac_search', () => {
  test('a misspelled collection ends the run before any search', async () => {
    const run = await search({ collections: [MONO, 'kaguya_terrain_camera_monoscopic_uncontrolled_observation'], per_collection: true });
    expect(run.error).toBeInstanceOf(StacUnknownCollectionError);
    expect((run.error as Error).message).toContain(`did you mean "${MONO}"?`);
    expect(sandbox.requests.filter((r) => r.path === '/search')).toEqual([]);
  });

  test('known collections are searched as before, after one read of each', async () => {
    const run = await search({ collections: [MONO], max_items: 3 });
    expect(run.ids).toEqual(sandbox.catalog.search({ collections: [MONO] }).slice(0, 3).map((e) => e.id));
    expect(sandbox.requests.map((r) => r.path).filter((p) => p !== '/' && p !== '/conformance')).toEqual([`/collections/${MONO}`, '/search']);
    expect(run.warnings).toEqual([]);
  });

  test('an API without collection endpoints: a warning, and the search goes on', async () => {
    const api = await fakeApi((req, root) => {
      if (req.path === '/') return { body: { stac_version: '1.0.0', id: 'bare', conformsTo: ITEM_SEARCH, links: [{ rel: 'search', href: `${root}search`, method: 'GET' }] } };
      if (req.path === '/search') return { body: { type: 'FeatureCollection', features: [item('i1', 'c1')], links: [] } };
      return undefined; // 404, /collections included
    });
    try {
      const run = await search({ collections: ['c1'] }, api.url);
      expect(run.ids).toEqual(['i1']);
      expect(run.warnings).toEqual([
        expect.objectContaining({ stage: 'stac_search', code: 'W_COLLECTIONS_UNCHECKED', message: expect.stringContaining(`${api.url}collections answered 404 too: the API serves no collections, so c1 cannot be checked`) }),
      ]);
      expect(api.seen.map((r) => r.path)).toEqual(['/', '/collections/c1', '/collections', '/search']);
    } finally {
      await api.close();
    }
  });

  test('a search without collections reads none', async () => {
    const run = await search({ max_items: 1 });
    expect(run.ids).toHaveLength(1);
    expect(sandbox.requests.filter((r) => r.path.startsWith('/collections'))).toEqual([]);
  });
});
