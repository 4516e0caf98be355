import { readFileSync } from 'node:fs';
import { planSearch } from '../../src/stac/search-params.js';
import { decideSearchFilter } from '../../src/stac/search-filter.js';

/**
 * The filter a search sends once the API's classes are known (src/stac/search-filter.ts): the own filter in the
 * language the API reads, and-ed with what the steps right after the search offer when the API evaluates it
 * with the same meaning.
 */
const STAC_SERVER = (JSON.parse(readFileSync(new URL('../fixtures/usgs/synthesized/conformance.stac-server-v4.json', import.meta.url), 'utf8')) as { conformsTo: string[] }).conformsTo;
const CQL2 = 'http://www.opengis.net/spec/cql2/1.0/conf/';
const FILTER_EXT = 'https://api.stacspec.org/v1.0.0/item-search#filter';
const params = (options: Record<string, unknown> = {}) => planSearch({ api: 'https://example.test/api/', ...options }).searches[0].parameters;
const offer = (cql2: Record<string, unknown>, from = 'filter') => ({ from, cql2 });
const lt = (name: string, value: number) => ({ op: '<', args: [{ property: name }, value] });

test('stac-server reads cql2-json only: a text filter is sent as CQL2 JSON', () => {
  const decided = decideSearchFilter(params({ filter: "gsd < 10 AND \"view:sun_elevation\" > 20" }), [], { declared: STAC_SERVER, check: true });
  expect(decided.parameters).toMatchObject({
    filter: { op: 'and', args: [lt('gsd', 10), { op: '>', args: [{ property: 'view:sun_elevation' }, 20] }] },
    'filter-lang': 'cql2-json',
  });
  expect(decided.converted).toMatch(/reads cql2-json only: the filter is sent as CQL2 JSON/);
});

test('an API that reads text only gets JSON as text; one that declares no language gets the filter as written', () => {
  const textOnly = [FILTER_EXT, `${CQL2}basic-cql2`, `${CQL2}cql2-text`];
  expect(decideSearchFilter(params({ filter: lt('gsd', 10) }), [], { declared: textOnly, check: true }).parameters).toMatchObject({ filter: 'gsd < 10', 'filter-lang': 'cql2-text' });
  const silent = decideSearchFilter(params({ filter: 'gsd < 10' }), [], { declared: [FILTER_EXT], check: true });
  expect(silent.parameters).toMatchObject({ filter: 'gsd < 10', 'filter-lang': 'cql2-text' });
  expect(silent.converted).toBeUndefined();
});

test('an offered condition on item properties goes with the search, and-ed with the own filter', () => {
  const decided = decideSearchFilter(params({ filter: "collection = 'c1'" }), [offer({ op: '<', args: [{ property: 'properties.gsd' }, 9] }, 'filter#2')], { declared: STAC_SERVER, check: true });
  expect(decided.pushed.map((o) => o.from)).toEqual(['filter#2']);
  expect(decided.parameters.filter).toEqual({ op: 'and', args: [{ op: '=', args: [{ property: 'collection' }, 'c1'] }, lt('gsd', 9)] });
  expect(decided.parameters['filter-lang']).toBe('cql2-json');
});

test('an offered condition stays local when the API could read it otherwise, and says why', () => {
  const why = (cql2: Record<string, unknown>, declared = STAC_SERVER) => {
    const decided = decideSearchFilter(params(), [offer(cql2)], { declared, check: true });
    expect(decided.parameters.filter).toBeUndefined();
    return decided.local[0]?.reason;
  };
  expect(why({ op: 'between', args: [{ property: 'gsd' }, 1, 10] })).toBe('the API does not declare CQL2 class advanced-comparison-operators');
  expect(why(lt('caminfo.Caminfo.Geometry.IncidenceAngle', 80))).toBe('`caminfo.Caminfo.Geometry.IncidenceAngle` is not an item property the API can filter on');
  expect(why({ op: 'like', args: [{ property: 'assets' }, 'x'] })).toMatch(/`assets` is not an item property/);
  expect(why(lt('properties.collection', 1))).toMatch(/`properties.collection` is not an item property/);
  expect(why(lt('gsd', 10), STAC_SERVER.filter((c) => !c.includes('#filter')))).toBe('the API does not declare the filter extension (item-search#filter)');
  // check_conformance: false: nothing is known of the API, so nothing is pushed or converted.
  const unchecked = decideSearchFilter(params({ filter: 'gsd < 1' }), [offer(lt('gsd', 10))], { declared: STAC_SERVER, check: false });
  expect(unchecked.parameters).toMatchObject({ filter: 'gsd < 1', 'filter-lang': 'cql2-text' });
  expect(unchecked.local[0].reason).toMatch(/check_conformance is false/);
});

test('with no CQL2 class declared the filter extension implies Basic CQL2 only', () => {
  const declared = [FILTER_EXT];
  expect(decideSearchFilter(params(), [offer(lt('gsd', 10))], { declared, check: true }).pushed).toHaveLength(1);
  expect(decideSearchFilter(params(), [offer({ op: 's_intersects', args: [{ property: 'geometry' }, { bbox: [0, 0, 1, 1] }] })], { declared, check: true }).local[0].reason)
    .toBe('the API does not declare CQL2 class basic-spatial-functions');
});

test('a stac_search filter that is not CQL2 is refused at load, at its line and column', () => {
  expect(() => params({ filter: 'gsd <' })).toThrow(/^filter: .*\(CQL2 1:6\)/);
  expect(() => params({ filter: { op: '<', args: [{ property: 'gsd' }] } })).toThrow(/^filter: /);
});
