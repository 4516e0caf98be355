import { readFileSync } from 'node:fs';
import { assertConformance, declares, requiredClasses, stacClassName } from '../../src/stac/conformance.js';
import { StacConformanceError } from '../../src/stac/errors.js';
import { planSearch, type SearchParameters } from '../../src/stac/search-params.js';

// stac-server v4.1.0's conformance list (the USGS API's software), from the USGS fixtures (test/fixtures/usgs, copied from ../shared with their sources).
const STAC_SERVER = (
  JSON.parse(readFileSync(new URL('../fixtures/usgs/synthesized/conformance.stac-server-v4.json', import.meta.url), 'utf8')) as {
    conformsTo: string[];
  }
).conformsTo;

const api = 'http://127.0.0.1:1/';
const params = (options: Omit<Parameters<typeof planSearch>[0], 'api'>): SearchParameters => planSearch({ api, ...options }).searches[0].parameters;

describe('conformance classes', () => {
  it('names a class after its version', () => {
    expect(stacClassName('https://api.stacspec.org/v1.0.0-rc.2/item-search#filter')).toBe('item-search#filter');
    expect(stacClassName('http://www.opengis.net/spec/cql2/1.0/conf/cql2-json')).toBeUndefined();
  });

  it('matches any version, and not a longer name', () => {
    expect(declares(['https://api.stacspec.org/v1.0.0-rc.2/item-search#filter'], 'item-search#filter')).toBe(true);
    expect(declares(['https://api.stacspec.org/v1.0.0-beta.3/item-search#filter:filter'], 'item-search#filter')).toBe(true);
    expect(declares(['https://api.stacspec.org/v1.0.0/item-search#filter'], 'item-search')).toBe(false);
  });

  it('needs one class per extension used', () => {
    expect(requiredClasses(params({ sortby: 'id', fields: 'id', query: { gsd: { lt: 1 } }, filter: 'gsd < 1' })).map((n) => n.name)).toEqual([
      'item-search',
      'item-search#query',
      'item-search#filter',
      'item-search#sort',
      'item-search#fields',
    ]);
  });

  it('accepts everything stac-server v4 declares, with CQL2 JSON', () => {
    expect(() =>
      assertConformance(STAC_SERVER, params({ sortby: 'id', fields: 'id', query: { gsd: { lt: 1 } }, filter: { op: '<', args: [{ property: 'gsd' }, 1] } }), api),
    ).not.toThrow();
  });

  it('does not refuse CQL2 text from an API that declares CQL2 JSON only: search-filter.ts converts it', () => {
    expect(() => assertConformance(STAC_SERVER, params({ filter: 'gsd < 1' }), api)).not.toThrow();
  });

  it.each([
    ['filter', { filter: 'gsd < 1' }, 'https://api.stacspec.org/v1.0.0/item-search#filter'],
    ['sortby', { sortby: '-id' }, 'https://api.stacspec.org/v1.0.0/item-search#sort'],
    ['fields', { fields: 'id' }, 'https://api.stacspec.org/v1.0.0/item-search#fields'],
    ['query', { query: { gsd: { lt: 1 } } }, 'https://api.stacspec.org/v1.0.0/item-search#query'],
  ])('refuses %s without its class, naming both', (parameter, options, uri) => {
    const declared = ['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search'];
    try {
      assertConformance(declared, params(options), api);
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(StacConformanceError);
      const e = err as StacConformanceError;
      expect([e.code, e.errorClass, e.parameter, e.conformanceClass]).toEqual(['ERR_STAC_NOT_CONFORMANT', 'fatal', parameter, uri]);
      expect(e.message).toContain(`\`${parameter}\``);
      expect(e.message).toContain(uri);
      expect(e.message).toContain('It declares: core, item-search.');
    }
  });

  it('refuses an API without item search', () => {
    expect(() => assertConformance(['https://api.stacspec.org/v1.0.0/core'], params({}), api)).toThrow(
      /does not declare conformance class https:\/\/api.stacspec.org\/v1.0.0\/item-search .*cannot search it/,
    );
  });
});
