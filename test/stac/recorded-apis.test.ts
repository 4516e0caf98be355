import { lastValueFrom, toArray } from 'rxjs';
import { pino } from 'pino';
import { stacSearch, stacSearchOptions } from '../../operators/stac-search.js';
import { StacConformanceError } from '../../src/stac/errors.js';
import { recording, replayApi, type ReplayApi } from '../helpers/replay-api.js';
import { sourceOf, testContext } from '../helpers/context.js';

/**
 * The conformance escape hatches against recorded answers of real servers (test/fixtures/recorded/PROVENANCE.md),
 * replayed on 127.0.0.1: Earth Search v1 (stac-server, 2025-07-31), which does not declare item-search#filter,
 * and Earth Search v0, a STAC API 0.9 server whose landing page has no conformsTo. conformance-escape.test.ts
 * plays the same cases on synthetic servers.
 */
const EARTH_SEARCH_V1 = recording('earth-search-v1-filter.json');
const EARTH_SEARCH_V0 = recording('earth-search-v0-search.json');
/** The filter pystac-client's test sent: `eo:cloud_cover <= 40`. */
const CLOUD_COVER_FILTER = { op: 'lte', args: [{ property: 'eo:cloud_cover' }, 40] };

function logged() {
  const lines: Array<{ msg: string; level: number }> = [];
  return { lines, log: pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as { msg: string; level: number }) }) };
}

async function search(options: Record<string, unknown>, log = pino({ level: 'silent' })) {
  const entries = await lastValueFrom(sourceOf(stacSearch, stacSearchOptions.parse(options), testContext('stac_search', { log })).pipe(toArray()));
  return entries.map((e) => e.item);
}

let api: ReplayApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('Earth Search v1 (recorded): a CQL2 filter it does not declare', () => {
  test('the landing page as recorded declares no filter class', () => {
    const landing = EARTH_SEARCH_V1.interactions[0].response.body as { conformsTo: string[] };
    expect(landing.conformsTo).toContain('https://api.stacspec.org/v1.0.0/item-search');
    expect(landing.conformsTo.filter((c) => /filter|cql2/.test(c))).toEqual([]);
  });

  test('refused by default, before any search, naming conforms_to and check_conformance', async () => {
    api = await replayApi(EARTH_SEARCH_V1);
    const err = (await search({ api: api.url('/v1'), filter: CLOUD_COVER_FILTER }).catch((e: unknown) => e)) as StacConformanceError;
    expect(err).toBeInstanceOf(StacConformanceError);
    expect(err).toMatchObject({ parameter: 'filter', conformanceClass: 'https://api.stacspec.org/v1.0.0/item-search#filter' });
    expect(err.message).toMatch(/`conforms_to: \[item-search#filter\]`.*`check_conformance: false`/);
    expect(api.seen.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1']);
  });

  test('with conforms_to: [item-search#filter] the filter goes to the server and its recorded page is what the run gets', async () => {
    api = await replayApi(EARTH_SEARCH_V1);
    const items = await search({ api: api.url('/v1'), filter: CLOUD_COVER_FILTER, conforms_to: ['item-search#filter'], max_items: 10 });
    const page = EARTH_SEARCH_V1.interactions[1].response.body as { features: Array<{ id: string }> };
    expect(items.map((i) => i.id)).toEqual(page.features.map((f) => f.id));
    // The queryables link was never recorded (the replay's 404 makes the check say nothing), and no second page asked.
    expect(api.seen.map((r) => `${r.method} ${r.path} ${r.recorded}`)).toEqual(['GET /v1 true', 'GET /v1/queryables false', 'POST /v1/search true']);
    const searches = api.seen.filter((r) => r.path === '/v1/search');
    expect(searches).toEqual([{ method: 'POST', path: '/v1/search', body: { filter: CLOUD_COVER_FILTER, 'filter-lang': 'cql2-json' }, recorded: true }]);
    // Hrefs point at the replay server, not at the recorded origin.
    expect(items[0].links?.find((l) => l.rel === 'collection')?.href).toBe(api.url('/v1/collections/sentinel-1-grd'));
  });

  test('what conforms_to trusts: the recorded page is not filtered (the server ignored the filter it does not declare)', () => {
    // Kept as a fact of the recording: 3 items lack eo:cloud_cover and 3 have more than 40, so the server's answer
    // alone is not what the filter asked; a `filter` step after the search tests each entry locally.
    const page = EARTH_SEARCH_V1.interactions[1].response.body as { features: Array<{ properties: Record<string, unknown> }> };
    const cover = page.features.map((f) => f.properties['eo:cloud_cover'] as number | undefined);
    expect(cover.filter((c) => c === undefined)).toHaveLength(3);
    expect(cover.filter((c) => c !== undefined && c > 40)).toHaveLength(3);
  });
});

describe('Earth Search v0 (recorded): a STAC API 0.9 landing page, no conformsTo', () => {
  test('the landing page as recorded: STAC API 0.9.0, no conformsTo', () => {
    const landing = EARTH_SEARCH_V0.interactions[0].response.body as Record<string, unknown>;
    expect(landing).toMatchObject({ stac_api_version: '0.9.0' });
    expect(landing).not.toHaveProperty('conformsTo');
  });

  test('refused by default: no item search declared, the way out named', async () => {
    api = await replayApi(EARTH_SEARCH_V0);
    const err = (await search({ api: api.url('/v0'), collections: ['sentinel-s2-l2a-cogs'], max_items: 1 }).catch((e: unknown) => e)) as StacConformanceError;
    expect(err).toBeInstanceOf(StacConformanceError);
    expect(err.message).toMatch(/declares no conformance classes/);
    expect(err.message).toMatch(/`check_conformance: false`/);
    expect(api.seen.some((r) => r.path === '/v0/search')).toBe(false);
  });

  test('check_conformance: false searches with one warning and returns the recorded item', async () => {
    api = await replayApi(EARTH_SEARCH_V0);
    const { log, lines } = logged();
    // POST as recorded (the 0.9 landing page's search link names no method, so stacflow's default would be GET).
    const items = await search({ api: api.url('/v0'), collections: ['sentinel-s2-l2a-cogs'], limit: 1, max_items: 1, method: 'POST', check_conformance: false }, log);
    expect(items.map((i) => [i.id, i.collection])).toEqual([['S2B_20EPT_20250731_0_L2A', 'sentinel-s2-l2a-cogs']]);
    const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toEqual([
      `stac_search: check_conformance: false: not checking what ${api.url('/v0')} declares (0 classes, no /conformance); the search goes as written, and an extension the API ignores would return other items`,
    ]);
    // The landing page's conformance link was never recorded: the replay answers 404, as an unknown.
    expect(api.seen.map((r) => `${r.method} ${r.path} ${r.recorded}`)).toEqual(['GET /v0 true', 'GET /v0/conformance false', 'POST /v0/search true']);
  });
});
