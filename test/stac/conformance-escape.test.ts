import { lastValueFrom, toArray } from 'rxjs';
import { pino } from 'pino';
import { stacSearch, stacSearchOptions } from '../../operators/stac-search.js';
import { openStacApi } from '../../src/stac/client.js';
import { StacConformanceError } from '../../src/stac/errors.js';
import { createHttpClient } from '../../src/http/client.js';
import { sourceOf, TEST_LIMITS, testContext } from '../helpers/context.js';
import { fakeApi, item, ITEM_SEARCH } from './fake-api.js';

/**
 * pystac-client's escape hatches for APIs that declare less than they support (Earth Search v1 filters without
 * declaring item-search#filter; STAC API 0.9 landing pages have no conformsTo and no /conformance):
 * `conforms_to` adds classes, `check_conformance: false` sends the search unchecked with one warning.
 */
const FILTER = { op: '=', args: [{ property: 'collection' }, 'c1'] };

/** A 0.9-style API that filters on `collection` but declares nothing (no conformsTo, /conformance 404). */
function undeclaredFilteringApi() {
  return fakeApi((req, root) => {
    if (req.path === '/') return { body: { stac_version: '0.9.0', id: 'old', links: [{ rel: 'search', href: `${root}search`, method: 'POST' }] } };
    if (req.path === '/search') {
      const wanted = (req.body as { filter?: typeof FILTER } | undefined)?.filter?.args[1];
      const features = [item('a', 'c1'), item('b', 'c2'), item('c', 'c1')].filter((f) => wanted === undefined || f.collection === wanted);
      return { body: { type: 'FeatureCollection', features, links: [] } };
    }
    return undefined;
  });
}

function logged() {
  const lines: Array<{ msg: string; level: number }> = [];
  return { lines, log: pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as { msg: string; level: number }) }) };
}

const search = async (options: Record<string, unknown>, log = pino({ level: 'silent' })) =>
  (await lastValueFrom(sourceOf(stacSearch, stacSearchOptions.parse(options), testContext('stac_search', { log })).pipe(toArray()))).map((e) => e.item.id);

test('a /conformance that answers 404 is said as such, with the options that get past it', async () => {
  const api = await undeclaredFilteringApi();
  try {
    expect((await openStacApi(api.url, { http: createHttpClient({ limits: TEST_LIMITS }) })).conformanceSource).toBe('none');
    const err = (await search({ api: api.url, filter: FILTER }).catch((e: unknown) => e)) as StacConformanceError;
    expect(err).toBeInstanceOf(StacConformanceError);
    expect(err.parameter).toBe('stac_search');
    expect(err.message).toMatch(/declares no conformance classes \(its landing page has no conformsTo and \/conformance answered 404/);
    expect(err.message).not.toMatch(/Check the api URL/);
    expect(err.message).toMatch(/`conforms_to: \[item-search\]`.*`check_conformance: false`/);
    // openStacApi above, then the stage: landing page and /conformance each, and no search.
    expect(api.seen.map((r) => r.path)).toEqual(['/', '/conformance', '/', '/conformance']);
  } finally {
    await api.close();
  }
});

test('conforms_to adds the classes the API forgot: the filter goes to the server and its answer is used', async () => {
  const api = await undeclaredFilteringApi();
  try {
    expect(await search({ api: api.url, filter: FILTER, conforms_to: ['item-search', 'item-search#filter'] })).toEqual(['a', 'c']);
    expect(api.seen.find((r) => r.path === '/search')?.body).toMatchObject({ filter: FILTER, 'filter-lang': 'cql2-json' });
    // One class still missing: the refusal names what was assumed and what to add.
    const err = (await search({ api: api.url, filter: FILTER, conforms_to: ['item-search'] }).catch((e: unknown) => e)) as StacConformanceError;
    expect(err).toMatchObject({ parameter: 'filter', conformanceClass: 'https://api.stacspec.org/v1.0.0/item-search#filter' });
    expect(err.message).toMatch(/\(and conforms_to: item-search\).*add `conforms_to: \[item-search#filter\]`/);
  } finally {
    await api.close();
  }
});

test('check_conformance: false sends the search as written, with one warning', async () => {
  const api = await undeclaredFilteringApi();
  try {
    const { log, lines } = logged();
    expect(await search({ api: api.url, filter: FILTER, check_conformance: false }, log)).toEqual(['a', 'c']);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([
      `stac_search: check_conformance: false: not checking what ${api.url} declares (0 classes, no /conformance); the search goes as written, and an extension the API ignores would return other items`,
    ]);
  } finally {
    await api.close();
  }
});

test('conforms_to takes class names or URIs, and refuses anything else at load', () => {
  expect(stacSearchOptions.safeParse({ api: 'http://x/', conforms_to: ['item-search#filter', 'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text'] }).success).toBe(true);
  const bad = stacSearchOptions.safeParse({ api: 'http://x/', conforms_to: ['item search'] });
  expect(bad.success).toBe(false);
  expect(JSON.stringify(bad.error?.issues)).toMatch(/conformance class name/);
  expect(ITEM_SEARCH).toHaveLength(2);
});
