import { readFileSync } from 'node:fs';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { allPages, getJson, keysOf, postJson, type Page } from './http.js';

const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const STEREO = 'kaguya_terrain_camera_stereoscopic_uncontrolled_observations';
const SYNTHESIZED = new URL('../fixtures/usgs/synthesized/', import.meta.url);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ itemsPerCollection: 60, seed: 7 });
});
afterAll(() => sandbox.close());

const entries = () => [...sandbox.catalog.entries()];
const key = (e: { collection: string; id: string }) => `${e.collection}/${e.id}`;
/** Every match of a GET search, all pages (as a set: order is tested in paging.test.ts). */
const getAll = async (query: string) => new Set(keysOf(await allPages(await getJson<Page>(`${sandbox.url}search?limit=1000&${query}`))));
const postAll = async (body: Record<string, unknown>) => new Set(keysOf(await allPages(await postJson<Page>(`${sandbox.url}search`, { limit: 1000, ...body }))));
const meets = (b: number[], [w, s, e, n]: number[]) => b[0] <= e && b[2] >= w && b[1] <= n && b[3] >= s;
const property = (collection: string, id: string, name: string) => sandbox.catalog.item(collection, id)!.properties[name];

describe('limit', () => {
  it('defaults to 10', async () => {
    const { body } = await getJson<Page>(`${sandbox.url}search`);
    expect(body.numberReturned).toBe(10);
    expect(body.numberMatched).toBe(180);
  });

  it('clamps values above 10000 to 10000 (the next link says so)', async () => {
    const { status, body } = await getJson<Page>(`${sandbox.url}search?limit=20000`);
    expect(status).toBe(200);
    expect(body.numberReturned).toBe(180);
    expect(new URL(body.links[0].href).searchParams.get('limit')).toBe('10000');
    const post = await postJson<Page>(`${sandbox.url}search`, { limit: 123456 });
    expect(post.body.links[0].body).toMatchObject({ limit: 10000 });
  });

  it.each(['0', '-3', 'many'])('rejects limit=%s with stac-server 400', async (limit) => {
    const { status, body } = await getJson(`${sandbox.url}search?limit=${limit}`);
    expect(status).toBe(400);
    expect(body).toEqual({ code: 'BadRequest', description: 'Invalid limit value, must be a number between 1 and 10000 inclusive' });
  });
});

describe('bbox and intersects', () => {
  it('matches the items whose bbox meets the box', async () => {
    const box = [0, -5, 12, 10];
    const want = new Set(entries().filter((e) => meets(e.bbox, box)).map(key));
    expect(want.size).toBeGreaterThan(5);
    expect(await getAll(`bbox=${box.join(',')}`)).toEqual(want);
    expect(await postAll({ bbox: box })).toEqual(want);
    expect(await postAll({ bbox: [0, -5, -100, 12, 10, 100] })).toEqual(want);
  });

  it('reads a box across the antimeridian (west > east)', async () => {
    const want = new Set(entries().filter((e) => meets(e.bbox, [170, -60, 180, 60]) || meets(e.bbox, [-180, -60, -170, 60])).map(key));
    expect(await postAll({ bbox: [170, -60, -170, 60] })).toEqual(want);
  });

  it('approximates intersects by the bbox of the geometry', async () => {
    const polygon = { type: 'Polygon', coordinates: [[[0, -5], [12, -5], [12, 10], [0, 10], [0, -5]]] };
    expect(await postAll({ intersects: polygon })).toEqual(await postAll({ bbox: [0, -5, 12, 10] }));
    expect(await getAll(`intersects=${encodeURIComponent(JSON.stringify(polygon))}`)).toEqual(await postAll({ bbox: [0, -5, 12, 10] }));
  });

  it('answers an upside-down bbox with stac-server exact 400', async () => {
    const { status, body } = await getJson(`${sandbox.url}search?bbox=-58.5,9.0,-57.5,8.0`);
    expect(status).toBe(400);
    expect(body).toEqual(JSON.parse(readFileSync(new URL('error_400_BadRequest_invalid_bbox.json', SYNTHESIZED), 'utf8')));
  });

  it.each([
    [{ bbox: [1, 2, 3] }, 'Invalid bbox, must have 4 or 6 points'],
    [{ bbox: '1,2,3,4' }, 'Invalid bbox'],
    [{ bbox: [0, 0, 1, 1], intersects: { type: 'Point', coordinates: [0, 0] } }, 'Expected bbox OR intersects, not both'],
    [{ intersects: { type: 'Feature', geometry: null } }, 'Expected GeoJSON geometry, not Feature or FeatureCollection'],
  ])('rejects %j', async (body, description) => {
    const reply = await postJson(`${sandbox.url}search`, body);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: 'BadRequest', description });
  });
});

describe('datetime', () => {
  const times = () => entries().map((e) => ({ key: key(e), t: Date.parse(e.datetime) }));
  const middle = () => entries()[90].datetime;

  it('reads closed and open intervals', async () => {
    const cut = middle();
    const t = Date.parse(cut);
    const after = new Set(times().filter((e) => e.t >= t).map((e) => e.key));
    expect(after.size).toBe(90);
    expect(await getAll(`datetime=${cut}/..`)).toEqual(after);
    expect(await getAll(`datetime=${cut}/`)).toEqual(after);
    expect(await getAll(`datetime=../2008-01-01T00:00:00Z`)).toEqual(new Set(times().filter((e) => e.t <= Date.UTC(2008, 0, 1)).map((e) => e.key)));
    expect(await postAll({ datetime: '2008-01-01T00:00:00Z/2008-06-30T23:59:59Z' }))
      .toEqual(new Set(times().filter((e) => e.t >= Date.UTC(2008, 0, 1) && e.t <= Date.UTC(2008, 5, 30, 23, 59, 59)).map((e) => e.key)));
  });

  it('matches an instant exactly, to the microsecond', async () => {
    const item = entries()[42];
    expect(await postAll({ datetime: item.datetime })).toEqual(new Set([key(item)]));
  });

  it.each([
    ['2008-13-01T00:00:00Z', 'datetime value is invalid, does not match RFC3339 format'],
    ['2008-01-01', 'datetime value is invalid, does not match RFC3339 format'],
    ['../..', 'datetime value is invalid, at least one end of the interval must be closed'],
    ['2009-01-01T00:00:00Z/2008-01-01T00:00:00Z', 'datetime value is invalid, start datetime must be before end datetime with interval'],
    ['a/b/c', 'datetime value is invalid, too many forward slashes for an interval'],
  ])('rejects datetime %s', async (datetime, description) => {
    const reply = await postJson(`${sandbox.url}search`, { datetime });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: 'BadRequest', description });
  });
});

describe('collections and ids', () => {
  it('reads comma lists (GET) and arrays (POST)', async () => {
    const mono = new Set(entries().filter((e) => e.collection === MONO).map(key));
    expect(await getAll(`collections=${MONO}`)).toEqual(mono);
    const both = new Set(entries().filter((e) => e.collection !== STEREO).map(key));
    expect(await postAll({ collections: [MONO, 'kaguya_terrain_camera_spsupport_uncontrolled_observations'] })).toEqual(both);
    expect(await postAll({ collections: ['no_such_collection'] })).toEqual(new Set());
  });

  it('finds items by id, within the given collections', async () => {
    const picked = entries().filter((_, i) => i % 40 === 3);
    expect(await getAll(`ids=${picked.map((e) => e.id).join(',')}`)).toEqual(new Set(picked.map(key)));
    expect(await postAll({ ids: [...picked.map((e) => e.id), 'TC1S2B0_01_00001N000E0000'], collections: [MONO] }))
      .toEqual(new Set(picked.filter((e) => e.collection === MONO).map(key)));
  });
});

describe('query extension', () => {
  it('compares properties (lt, gte, in, neq, startsWith)', async () => {
    const all = entries();
    const gsdBelow8 = new Set(all.filter((e) => (property(e.collection, e.id, 'gsd') as number) < 8).map(key));
    expect(gsdBelow8.size).toBeGreaterThan(0);
    expect(await postAll({ query: { gsd: { lt: 8 } } })).toEqual(gsdBelow8);
    expect(await getAll(`query=${encodeURIComponent(JSON.stringify({ gsd: { lt: 8 } }))}`)).toEqual(gsdBelow8);
    const band = all.filter((e) => {
      const elevation = property(e.collection, e.id, 'view:sun_elevation') as number;
      return elevation >= 20 && elevation <= 40;
    });
    expect(await postAll({ query: { 'view:sun_elevation': { gte: 20, lte: 40 } } })).toEqual(new Set(band.map(key)));
    const two = all.slice(0, 2);
    expect(await postAll({ query: { title: { in: two.map((e) => e.id) } } })).toEqual(new Set(two.map(key)));
    expect(await postAll({ query: { title: { neq: two[0].id } } })).toEqual(new Set(all.slice(1).map(key)));
    expect(await postAll({ query: { title: { startsWith: 'TC1W' } } })).toEqual(new Set(all.filter((e) => e.id.startsWith('TC1W')).map(key)));
  });

  it('compares datetimes as instants', async () => {
    const cut = entries()[90].datetime;
    expect(await postAll({ query: { datetime: { gte: cut } } })).toEqual(await postAll({ datetime: `${cut}/..` }));
  });

  it('rejects an unknown operator', async () => {
    const reply = await postJson(`${sandbox.url}search`, { query: { gsd: { near: 8 } } });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'BadRequest', description: expect.stringContaining('near') });
  });
});

describe('sortby', () => {
  it('reads the GET form (+field,-field)', async () => {
    const pages = await allPages(await getJson<Page>(`${sandbox.url}search?limit=50&sortby=${encodeURIComponent('+properties.datetime')}`));
    const want = sandbox.catalog.search({}).reverse().map(key);
    expect(keysOf(pages)).toEqual(want);
  });

  it('reads the POST form [{field, direction}]', async () => {
    const pages = await allPages(await postJson<Page>(`${sandbox.url}search`, { limit: 25, sortby: [{ field: 'id', direction: 'asc' }] }));
    const ids = keysOf(pages).map((k) => k.split('/')[1]);
    expect(ids).toEqual([...ids].sort());
    expect(ids.length).toBe(180);
  });

  it('rejects a direction other than asc or desc', async () => {
    const reply = await postJson(`${sandbox.url}search`, { sortby: [{ field: 'id', direction: 'up' }] });
    expect(reply.status).toBe(400);
  });
});

describe('fields extension', () => {
  it('returns stac-server default set plus includes, minus excludes (GET form)', async () => {
    const { body } = await getJson<Page>(`${sandbox.url}search?limit=1&fields=properties.gsd,-assets,-geometry`);
    const [feature] = body.features;
    expect(Object.keys(feature)).toEqual(['type', 'id', 'properties', 'links', 'bbox', 'collection']);
    expect(Object.keys(feature.properties)).toEqual(['gsd', 'datetime']);
  });

  it('excludes one property (POST form) and keeps the others', async () => {
    const { body } = await postJson<Page>(`${sandbox.url}search`, { limit: 1, fields: { include: ['properties'], exclude: ['properties.gsd'] } });
    const [feature] = body.features;
    expect(feature.properties).not.toHaveProperty('gsd');
    expect(feature.properties).toHaveProperty('view:sun_elevation');
    expect(feature.properties).toHaveProperty('proj:projjson');
  });

  it('serves the default set for an empty fields object', async () => {
    const { body } = await postJson<Page>(`${sandbox.url}search`, { limit: 1, fields: {} });
    expect(Object.keys(body.features[0].properties)).toEqual(['datetime']);
  });
});

describe('filter (CQL2 JSON)', () => {
  const lowGsdMono = {
    op: 'and',
    args: [{ op: '<', args: [{ property: 'gsd' }, 8.5] }, { op: '=', args: [{ property: 'collection' }, MONO] }],
  };
  const expectedLowGsdMono = () =>
    new Set(entries().filter((e) => e.collection === MONO && (property(e.collection, e.id, 'gsd') as number) < 8.5).map(key));

  it('evaluates and/or/not and comparisons (POST)', async () => {
    expect(await postAll({ filter: lowGsdMono, 'filter-lang': 'cql2-json' })).toEqual(expectedLowGsdMono());
    const notMono = { op: 'not', args: [{ op: '=', args: [{ property: 'collection' }, MONO] }] };
    expect(await postAll({ filter: notMono })).toEqual(new Set(entries().filter((e) => e.collection !== MONO).map(key)));
    const either = { op: 'or', args: [{ op: '=', args: [{ property: 'id' }, entries()[0].id] }, { op: '=', args: [{ property: 'id' }, entries()[1].id] }] };
    expect(await postAll({ filter: either })).toEqual(new Set(entries().slice(0, 2).map(key)));
  });

  it('reads filter-lang=cql2-json on GET', async () => {
    expect(await getAll(`filter-lang=cql2-json&filter=${encodeURIComponent(JSON.stringify(lowGsdMono))}`)).toEqual(expectedLowGsdMono());
  });

  it('compares timestamps as instants', async () => {
    const cut = entries()[90].datetime;
    const filter = { op: '>=', args: [{ property: 'datetime' }, { timestamp: cut }] };
    expect(await postAll({ filter })).toEqual(await postAll({ datetime: `${cut}/..` }));
  });

  it('answers cql2-text with a 400 saying it is not supported', async () => {
    const reply = await getJson(`${sandbox.url}search?filter=${encodeURIComponent('gsd < 8')}&filter-lang=cql2-text`);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'BadRequest', description: expect.stringContaining('cql2-text is not supported') });
  });

  it('answers an unsupported operator with a 400 naming it', async () => {
    const filter = { op: 't_intersects', args: [{ property: 'datetime' }, { interval: ['2008-01-01', '2008-02-01'] }] };
    const reply = await postJson(`${sandbox.url}search`, { filter });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'BadRequest', description: expect.stringContaining('"t_intersects"') });
  });
});
