import { readFileSync } from 'node:fs';
import { KAGUYA_TC_COLLECTIONS, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { getJson, postJson, type Link } from './http.js';

const SYNTHESIZED = new URL('../fixtures/usgs/synthesized/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, SYNTHESIZED), 'utf8')) as Record<string, unknown>;
const FIXTURE_ENDPOINT = 'https://g6goyz4w56.execute-api.us-west-2.amazonaws.com/prod';
const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';

let sandbox: Sandbox;
let root: string;
beforeAll(async () => {
  sandbox = await startSandbox({ itemsPerCollection: 30 });
  root = sandbox.url.slice(0, -1);
});
afterAll(() => sandbox.close());

const rehosted = (value: unknown) => JSON.parse(JSON.stringify(value).split(FIXTURE_ENDPOINT).join(root)) as Record<string, unknown>;

describe('sandbox STAC API documents', () => {
  it('serves stac-server v4 landing page links and conformance on its own base URL', async () => {
    const { status, headers, body } = await getJson(sandbox.url);
    const expected = fixture('landing_page.stac-server-v4.json');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.id).toBe('usgs-stac-api');
    expect(body.type).toBe('Catalog');
    expect(body.conformsTo).toEqual(expected.conformsTo);
    expect(body.links).toEqual(rehosted(expected).links);
    expect((body.links as Link[]).find((l) => l.rel === 'search' && l.method === 'POST')?.href).toBe(`${root}/search`);
  });

  it('serves /conformance as stac-server v4', async () => {
    const { body } = await getJson(`${sandbox.url}conformance`);
    expect(body).toEqual(fixture('conformance.stac-server-v4.json'));
  });

  it('lists the three Kaguya TC collections with stac-server links', async () => {
    const { body } = await getJson<{ collections: Array<Record<string, unknown>>; links: Link[] }>(`${sandbox.url}collections`);
    expect(body.collections.map((c) => c.id)).toEqual([...KAGUYA_TC_COLLECTIONS]);
    const byId = new Map((fixture('collections_list_partial.json').collections as Array<{ id: string }>).map((c) => [c.id, c]));
    for (const collection of body.collections) expect(collection).toEqual(rehosted(byId.get(collection.id as string)));
    expect(body.links).toEqual([
      { rel: 'self', type: 'application/json', href: `${root}/collections` },
      { rel: 'root', type: 'application/json', href: root },
    ]);
  });

  it('serves one collection as the synthesized fixture, rehosted', async () => {
    const { body } = await getJson(`${sandbox.url}collections/${MONO}`);
    expect(body).toEqual(rehosted(fixture(`collection_${MONO}.json`)));
  });

  it('serves an item by id with the item links of stac-server', async () => {
    const [first] = sandbox.catalog.search({ collections: [MONO] });
    const { status, headers, body } = await getJson<{ id: string; links: Link[] }>(`${sandbox.url}collections/${MONO}/items/${first.id}`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(body.id).toBe(first.id);
    expect(body.links.map((l) => [l.rel, l.href])).toEqual([
      ['self', `${root}/collections/${MONO}/items/${first.id}`],
      ['parent', `${root}/collections/${MONO}`],
      ['collection', `${root}/collections/${MONO}`],
      ['root', root],
    ]);
  });

  it('answers the search page shape of stac-server (type, numberMatched, numberReturned, features, links)', async () => {
    const { headers, body } = await getJson(`${sandbox.url}search?limit=1`);
    expect(headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(Object.keys(body)).toEqual(Object.keys(fixture('search_GET_page1_kaguya_monoscopic_bbox_limit1.json')));
  });

  it.each([
    ['an unknown path', 'nothing/here'],
    ['an unknown collection', 'collections/no_such_collection'],
    ['items of an unknown collection', 'collections/no_such_collection/items'],
    ['an unknown item', `collections/${MONO}/items/TC1S2B0_01_99999N000E0000`],
    ['an item of another collection', 'OTHER'],
  ])('answers %s with stac-server 404 body', async (_name, path) => {
    let target = path;
    if (path === 'OTHER') {
      const [stereo] = sandbox.catalog.search({ collections: [KAGUYA_TC_COLLECTIONS[0]] });
      target = `collections/${MONO}/items/${stereo.id}`;
    }
    const { status, body } = await getJson(`${sandbox.url}${target}`);
    expect(status).toBe(404);
    expect(body).toEqual(fixture('error_404_NotFound.json'));
  });

  it('answers POST on a GET-only route with 404, like stac-server', async () => {
    const { status, body } = await postJson(`${sandbox.url}collections`, {});
    expect(status).toBe(404);
    expect(body).toEqual({ code: 'NotFound', description: 'Not Found' });
  });

  it('reads a POST body only when it is sent as JSON, like stac-server (express.json)', async () => {
    const body = JSON.stringify({ collections: [MONO], limit: 1 });
    const asText = await fetch(`${sandbox.url}search`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(((await asText.json()) as { numberMatched: number }).numberMatched).toBe(sandbox.catalog.size);
    const broken = await fetch(`${sandbox.url}search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"limit": ' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ code: 'BadRequest' });
  });

  it('serves a permissive queryables document', async () => {
    const { status, body } = await getJson(`${sandbox.url}collections/${MONO}/queryables`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ type: 'object', additionalProperties: true });
  });
});
