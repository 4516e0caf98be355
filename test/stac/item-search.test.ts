import { lastValueFrom, toArray } from 'rxjs';
import { itemSearchSource } from '../../src/stac/item-search.js';
import { planSearch } from '../../src/stac/search-params.js';
import { testContext } from '../helpers/context.js';
import { fakeApi, item, ITEM_SEARCH } from './fake-api.js';

const run = (options: Parameters<typeof planSearch>[0], ctx = testContext('stac_search')) =>
  lastValueFrom(itemSearchSource(planSearch(options), ctx).pipe(toArray()));

const landing = (root: string) => ({
  stac_version: '1.0.0',
  conformsTo: ITEM_SEARCH,
  links: [{ rel: 'search', href: `${root}search`, method: 'POST' }],
});

describe('itemSearchSource with POST next links', () => {
  it('merges a next body into the previous one and sends the link headers', async () => {
    // Page n holds item n; the next link carries only the token and asks for a merge.
    const api = await fakeApi((req, root) => {
      if (req.path === '/') return { body: landing(root) };
      if (req.path !== '/search') return undefined; // 404: /collections/c1, /collections
      const body = req.body as { token?: number };
      const page = body.token ?? 1;
      const next = page < 3 ? [{ rel: 'next', href: `${root}search`, method: 'POST', merge: true, body: { token: page + 1 }, headers: { 'x-page': String(page + 1) } }] : [];
      return { body: { type: 'FeatureCollection', features: [item(`i${page}`)], links: next } };
    });
    try {
      const entries = await run({ api: api.url, collections: ['c1'], limit: 1, headers: { 'x-run': 'r' } });
      expect(entries.map((e) => e.item.id)).toEqual(['i1', 'i2', 'i3']);
      const searches = api.seen.filter((r) => r.path === '/search');
      expect(searches.map((r) => r.body)).toEqual([
        { collections: ['c1'], limit: 1 },
        { collections: ['c1'], limit: 1, token: 2 },
        { collections: ['c1'], limit: 1, token: 3 },
      ]);
      expect(searches.map((r) => r.headers['x-page'])).toEqual([undefined, '2', '3']);
      expect(api.seen.every((r) => r.headers['x-run'] === 'r')).toBe(true);
    } finally {
      await api.close();
    }
  });

  it('stops at a page without a next link, without an empty page', async () => {
    const api = await fakeApi((req, root) => {
      if (req.path === '/') return { body: landing(root) };
      return { body: { type: 'FeatureCollection', features: [item('only')], links: [] } };
    });
    try {
      const ctx = testContext('stac_search');
      const entries = await run({ api: api.url }, ctx);
      expect(entries.map((e) => e.item.id)).toEqual(['only']);
      expect(ctx.stats.stage('stac_search').counters).toMatchObject({ requests: 2, pages: 1, 'items:c1': 1 });
    } finally {
      await api.close();
    }
  });

  it('refuses a page that is not an ItemCollection', async () => {
    const api = await fakeApi((req, root) => (req.path === '/' ? { body: landing(root) } : { body: { type: 'Catalog' } }));
    try {
      await expect(run({ api: api.url })).rejects.toMatchObject({ code: 'ERR_STAC_BAD_RESPONSE', errorClass: 'fatal' });
    } finally {
      await api.close();
    }
  });

  it('never changes the items it emits', async () => {
    const sent = { ...item('x'), collection: undefined, extra: { deep: [1, 2] } };
    const api = await fakeApi((req, root) => (req.path === '/' ? { body: landing(root) } : { body: { type: 'FeatureCollection', features: [sent] } }));
    try {
      const ctx = testContext('stac_search');
      const [entry] = await run({ api: api.url, collections: 'c9', per_collection: true }, ctx);
      expect(entry.item).toEqual(JSON.parse(JSON.stringify(sent)));
      expect(entry.item.collection).toBeUndefined();
      // Counted under the search's collection all the same.
      expect(ctx.stats.stage('stac_search').counters['items:c9']).toBe(1);
    } finally {
      await api.close();
    }
  });
});
