import { StacParameterError } from '../../src/stac/errors.js';
import {
  formatBbox,
  formatFields,
  formatFilter,
  formatIntersects,
  formatSortby,
  planSearch,
  toGetQuery,
  toPostBody,
  type SearchParameters,
} from '../../src/stac/search-params.js';

const api = 'https://stac.astrogeology.usgs.gov/api/';
const KAGUYA = [
  'kaguya_terrain_camera_stereoscopic_uncontrolled_observations',
  'kaguya_terrain_camera_spsupport_uncontrolled_observations',
  'kaguya_terrain_camera_monoscopic_uncontrolled_observations',
];

describe('planSearch', () => {
  it('makes one search per collection, in order, each with max_items', () => {
    const plan = planSearch({ api, collections: KAGUYA, per_collection: true, bbox: [3, 4, 5, 6], max_items: 200 });
    expect(plan.searches.map((s) => s.parameters.collections)).toEqual(KAGUYA.map((c) => [c]));
    expect(plan.searches.map((s) => s.collection)).toEqual(KAGUYA);
    expect(plan.searches.every((s) => s.maxItems === 200 && s.parameters.bbox?.join() === '3,4,5,6')).toBe(true);
  });

  it('makes one search over all collections without per_collection', () => {
    const plan = planSearch({ api, collections: KAGUYA });
    expect(plan.searches).toHaveLength(1);
    expect(plan.searches[0].parameters.collections).toEqual(KAGUYA);
  });

  it('takes a single collection as a string', () => {
    expect(planSearch({ api, collections: 'a' }).searches[0].parameters.collections).toEqual(['a']);
    expect(planSearch({ api, collections: 'a, b,a' }).searches[0].parameters.collections).toEqual(['a', 'b']);
  });

  it('returns a frozen plan', () => {
    const plan = planSearch({ api, collections: ['a'], bbox: [1, 2, 3, 4] });
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.searches[0].parameters.bbox)).toBe(true);
  });

  it('leaves limit out by default and cuts it to max_items', () => {
    expect(planSearch({ api }).searches[0].parameters.limit).toBeUndefined();
    expect(planSearch({ api, limit: 100, max_items: 7 }).searches[0].parameters.limit).toBe(7);
    expect(planSearch({ api, limit: 5, max_items: 7 }).searches[0].parameters.limit).toBe(5);
  });

  it('drops absent parameters from the request', () => {
    expect(Object.keys(planSearch({ api, ids: 'x,y' }).searches[0].parameters)).toEqual(['ids']);
  });

  it.each([
    [{ api, per_collection: true }, 'per_collection', /needs `collections`/],
    [{ api, bbox: [0, 0, 1, 1], intersects: { type: 'Point', coordinates: [0, 0] } }, 'intersects', /either bbox or intersects/],
    [{ api: 'stac.example.com' }, 'api', /not a URL/],
    [{ api: 'ftp://example.com/' }, 'api', /not an http/],
    [{ api, limit: 20000 }, 'limit', /at most 10000/],
    [{ api, max_items: 0 }, 'max_items', /positive integer/],
    [{ api, filter_lang: 'cql2-text' as const }, 'filter_lang', /no `filter`/],
  ])('refuses %j naming %s', (options, parameter, message) => {
    try {
      planSearch(options);
      throw new Error('expected a StacParameterError');
    } catch (err) {
      expect(err).toBeInstanceOf(StacParameterError);
      expect((err as StacParameterError).parameter).toBe(parameter);
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('formatBbox', () => {
  it('takes 4 or 6 numbers, or a comma-separated string', () => {
    expect(formatBbox([3, 4, 5, 6])).toEqual([3, 4, 5, 6]);
    expect(formatBbox('3,4,5,6')).toEqual([3, 4, 5, 6]);
    expect(formatBbox([3, 4, -10, 5, 6, 10])).toEqual([3, 4, -10, 5, 6, 10]);
  });

  it('accepts a box across the antimeridian (west > east)', () => {
    expect(formatBbox([170, -10, -170, 10])).toEqual([170, -10, -170, 10]);
  });

  it.each([
    [[1, 2, 3], /needs 4 numbers/],
    [[-181, 0, 0, 1], /west longitude -181 is outside/],
    [[0, 0, 181, 1], /east longitude 181/],
    [[0, -91, 1, 1], /south latitude -91/],
    [[0, 0, 1, 91], /north latitude 91/],
    [[-58.5, 9, -57.5, 8], /south \(9\) is greater than north \(8\)/],
    [[0, 0, 5, 1, 1, 4], /minimum elevation/],
    ['1,2,x,4', /numbers only/],
  ])('refuses %j', (bbox, message) => {
    expect(() => formatBbox(bbox as number[])).toThrow(message);
  });
});

describe('formatIntersects', () => {
  const polygon = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] };

  it('takes a geometry object, a Feature or GeoJSON text', () => {
    expect(formatIntersects(polygon)).toEqual(polygon);
    expect(formatIntersects({ type: 'Feature', properties: {}, geometry: polygon })).toEqual(polygon);
    expect(formatIntersects(JSON.stringify(polygon))).toEqual(polygon);
  });

  it('refuses what is not a geometry', () => {
    expect(() => formatIntersects({ type: 'FeatureCollection', features: [] })).toThrow(/must be a GeoJSON geometry/);
    expect(() => formatIntersects({ type: 'Polygon' })).toThrow(/needs `coordinates`/);
    expect(() => formatIntersects('POLYGON((0 0, 1 1))')).toThrow(/not GeoJSON/);
  });
});

describe('formatFilter', () => {
  it('infers the language from the type', () => {
    expect(formatFilter("collection = 'a'", undefined)).toEqual({ filter: "collection = 'a'", 'filter-lang': 'cql2-text' });
    const json = { op: '=', args: [{ property: 'collection' }, 'a'] };
    expect(formatFilter(json, undefined)).toEqual({ filter: json, 'filter-lang': 'cql2-json' });
  });

  it('parses a string given as cql2-json', () => {
    expect(formatFilter('{"op":"<","args":[{"property":"gsd"},10]}', 'cql2-json').filter).toEqual({
      op: '<',
      args: [{ property: 'gsd' }, 10],
    });
  });

  it('refuses an object declared as cql2-text', () => {
    expect(() => formatFilter({ op: 'and', args: [] }, 'cql2-text')).toThrow(/filter_lang is cql2-text but the filter is an object/);
  });
});

describe('formatSortby and formatFields', () => {
  it('reads sortby strings and objects', () => {
    const expected = [
      { field: 'properties.datetime', direction: 'desc' },
      { field: 'id', direction: 'asc' },
    ];
    expect(formatSortby('-properties.datetime,+id')).toEqual(expected);
    expect(formatSortby(['-properties.datetime', 'id'])).toEqual(expected);
    expect(formatSortby([{ field: 'properties.datetime', direction: 'desc' }, { field: 'id' }])).toEqual(expected);
  });

  it('reads fields strings, lists and objects', () => {
    const expected = { include: ['id', 'properties.datetime'], exclude: ['geometry'] };
    expect(formatFields('id,+properties.datetime,-geometry')).toEqual(expected);
    expect(formatFields(['id', '+properties.datetime', '-geometry'])).toEqual(expected);
    expect(formatFields({ include: ['id', 'properties.datetime'], exclude: ['geometry'] })).toEqual(expected);
    expect(formatFields({ exclude: ['assets'] })).toEqual({ include: [], exclude: ['assets'] });
  });
});

describe('toPostBody and toGetQuery', () => {
  const params: SearchParameters = planSearch({
    api,
    collections: ['a', 'b'],
    ids: ['x'],
    bbox: [3, 4, 5, 6],
    datetime: '2009',
    query: { gsd: { lte: 10 } },
    filter: { op: '<', args: [{ property: 'gsd' }, 10] },
    sortby: '-properties.datetime',
    fields: 'id,-geometry',
    limit: 50,
  }).searches[0].parameters;

  it('shapes a POST body as the STAC API spec', () => {
    expect(toPostBody(params)).toEqual({
      collections: ['a', 'b'],
      ids: ['x'],
      bbox: [3, 4, 5, 6],
      datetime: '2009-01-01T00:00:00Z/2009-12-31T23:59:59Z',
      query: { gsd: { lte: 10 } },
      filter: { op: '<', args: [{ property: 'gsd' }, 10] },
      'filter-lang': 'cql2-json',
      sortby: [{ field: 'properties.datetime', direction: 'desc' }],
      fields: { include: ['id'], exclude: ['geometry'] },
      limit: 50,
    });
  });

  it('gives a POST body that is a mutable copy', () => {
    const body = toPostBody(params);
    (body.collections as string[]).push('c');
    expect(params.collections).toEqual(['a', 'b']);
  });

  it('shapes a GET query as pystac-client does', () => {
    expect(Object.fromEntries(toGetQuery(params))).toEqual({
      collections: 'a,b',
      ids: 'x',
      bbox: '3,4,5,6',
      datetime: '2009-01-01T00:00:00Z/2009-12-31T23:59:59Z',
      query: '{"gsd":{"lte":10}}',
      filter: '{"op":"<","args":[{"property":"gsd"},10]}',
      'filter-lang': 'cql2-json',
      sortby: '-properties.datetime',
      fields: '+id,-geometry',
      limit: '50',
    });
  });

  it('writes intersects as compact GeoJSON in a GET query', () => {
    const p = planSearch({ api, intersects: { type: 'Point', coordinates: [1, 2] } }).searches[0].parameters;
    expect(toGetQuery(p)).toEqual([['intersects', '{"type":"Point","coordinates":[1,2]}']]);
  });

  it('keeps CQL2 text as written in a GET query', () => {
    const p = planSearch({ api, filter: 'gsd < 10' }).searches[0].parameters;
    expect(toGetQuery(p)).toEqual([
      ['filter', 'gsd < 10'],
      ['filter-lang', 'cql2-text'],
    ]);
  });
});
