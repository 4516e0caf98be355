import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { allPages, getJson, idsOf, keysOf, postJson, type Page } from './http.js';

const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const BBOX = [-20, -20, 30, 30];

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ itemsPerCollection: 60 });
});
afterAll(() => sandbox.close());

const expected = (params: Record<string, unknown>) => sandbox.catalog.search(params).map((m) => `${m.collection}/${m.id}`);

describe('sandbox paging', () => {
  it('GET /search pages through exactly the matching items, each page but the last with a next link', async () => {
    const pages = await allPages(await getJson<Page>(`${sandbox.url}search?bbox=${BBOX.join(',')}&limit=7`));
    const want = expected({ bbox: BBOX });
    expect(want.length).toBeGreaterThan(21);
    expect(keysOf(pages)).toEqual(want);
    // A next link on every non-empty page, the last one included: one empty page ends the search.
    expect(pages.length).toBe(Math.ceil(want.length / 7) + 1);
    expect(pages[pages.length - 1].features).toEqual([]);
    for (const page of pages) expect(page.numberMatched).toBe(want.length);
  });

  it('ends with an empty page without a next link once a full last page was served (stac-server)', async () => {
    const count = expected({ collections: [MONO] }).length;
    const pages = await allPages(await getJson<Page>(`${sandbox.url}search?collections=${MONO}&limit=${count / 3}`));
    expect(pages.map((p) => p.numberReturned)).toEqual([20, 20, 20, 0]);
    const last = pages[pages.length - 1];
    expect(last.features).toEqual([]);
    expect(last.links.map((l) => l.rel)).toEqual(['root']);
  });

  it('keeps every other GET parameter in the next href and adds next=<token>', async () => {
    const { body } = await getJson<Page>(`${sandbox.url}search?collections=${MONO}&bbox=-20.0,-20,30,30&limit=2`);
    const next = body.links.find((l) => l.rel === 'next');
    expect(next).toMatchObject({ rel: 'next', title: 'Next page of Items', method: 'GET', type: 'application/geo+json' });
    const href = new URL(next!.href);
    expect(`${href.origin}${href.pathname}`).toBe(`${sandbox.url}search`);
    expect([...href.searchParams.keys()]).toEqual(['collections', 'bbox', 'limit', 'next']);
    expect(href.searchParams.get('bbox')).toBe('-20.0,-20,30,30');
    expect(href.searchParams.get('next')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('POST /search pages with method POST, merge false and the full body plus next', async () => {
    const first = await postJson<Page>(`${sandbox.url}search`, { collections: [MONO], bbox: BBOX, limit: 4 });
    const next = first.body.links.find((l) => l.rel === 'next')!;
    expect(next).toMatchObject({ method: 'POST', merge: false, href: `${sandbox.url}search` });
    expect(Object.keys(next.body!)).toEqual(['collections', 'bbox', 'limit', 'next']);
    expect(next.body).toMatchObject({ collections: [MONO], bbox: BBOX, limit: 4 });
    const pages = await allPages(first);
    expect(keysOf(pages)).toEqual(expected({ collections: [MONO], bbox: BBOX }));
  });

  it('GET /collections/{id}/items pages that collection, with self and collection links', async () => {
    const first = await getJson<Page>(`${sandbox.url}collections/${MONO}/items?limit=9`);
    const root = sandbox.url.slice(0, -1);
    expect(first.body.links.map((l) => l.rel)).toEqual(['next', 'root', 'self', 'collection']);
    expect(first.body.links[2].href).toBe(`${root}/collections/${MONO}/items`);
    expect(first.body.links[3].href).toBe(`${root}/collections/${MONO}`);
    expect(new URL(first.body.links[0].href).pathname).toBe(`/collections/${MONO}/items`);
    const pages = await allPages(first);
    expect(keysOf(pages)).toEqual(expected({ collections: [MONO] }));
  });

  it('orders by datetime descending by default, as stac-server', async () => {
    const pages = await allPages(await getJson<Page>(`${sandbox.url}search?limit=50`));
    const datetimes = pages.flatMap((p) => p.features.map((f) => f.properties.datetime as string));
    expect(datetimes.length).toBe(sandbox.catalog.size);
    expect([...datetimes].sort().reverse()).toEqual(datetimes);
  });

  it('pages a custom sort order without gaps or repeats', async () => {
    const pages = await allPages(await getJson<Page>(`${sandbox.url}search?sortby=-properties.gsd,id&limit=11&bbox=${BBOX.join(',')}`));
    const gsds = pages.flatMap((p) => p.features.map((f) => f.properties.gsd as number));
    expect([...gsds].sort((a, b) => b - a)).toEqual(gsds);
    expect(keysOf(pages)).toEqual(expected({ bbox: BBOX, sortby: [{ field: 'properties.gsd', direction: 'desc' }, { field: 'id', direction: 'asc' }] }));
  });

  it('uses tokens that need no server memory: another sandbox with the same seed continues the paging', async () => {
    const first = await getJson<Page>(`${sandbox.url}search?limit=5`);
    const token = new URL(first.body.links[0].href).searchParams.get('next')!;
    const twin = await startSandbox({ itemsPerCollection: 60 });
    try {
      const second = await getJson<Page>(`${twin.url}search?limit=5&next=${token}`);
      expect(idsOf([first.body, second.body])).toEqual(sandbox.catalog.search({}).slice(0, 10).map((m) => m.id));
    } finally {
      await twin.close();
    }
  });

  it('answers a token it did not make with a 400', async () => {
    const { status, body } = await getJson(`${sandbox.url}search?next=not-a-token`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'BadRequest' });
  });

  it('repeatNextLink: a broken server whose page 2 links to page 2 again', async () => {
    const broken = await startSandbox({ itemsPerCollection: 60, repeatNextLink: true });
    try {
      const page1 = await getJson<Page>(`${broken.url}search?limit=3`);
      const next1 = page1.body.links.find((l) => l.rel === 'next')!;
      const page2 = await getJson<Page>(next1.href);
      const next2 = page2.body.links.find((l) => l.rel === 'next')!;
      expect(next2.href).toBe(next1.href);
      const post1 = await postJson<Page>(`${broken.url}search`, { limit: 3 });
      const postNext1 = post1.body.links.find((l) => l.rel === 'next')!;
      const post2 = await postJson<Page>(postNext1.href, postNext1.body);
      expect(post2.body.links.find((l) => l.rel === 'next')).toEqual(postNext1);
    } finally {
      await broken.close();
    }
  });
});
