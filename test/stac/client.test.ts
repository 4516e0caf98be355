import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { defaultMethod, openStacApi, searchUrl } from '../../src/stac/client.js';
import { StacApiError } from '../../src/stac/errors.js';
import { fakeApi, ITEM_SEARCH } from './fake-api.js';

const http = createHttpClient({ limits: { ...DEFAULT_LIMITS, retries: 2, retryBaseDelayMs: 5, retryMaxDelayMs: 10, maxRetryAfterMs: 2000 } });

describe('openStacApi', () => {
  it('reads /conformance when the landing page has no conformsTo', async () => {
    const api = await fakeApi((req, root) => {
      if (req.path === '/api') return { body: { stac_version: '1.0.0', type: 'Catalog', id: 'x', links: [{ rel: 'search', href: `${root}api/search` }] } };
      if (req.path === '/api/conformance') return { body: { conformsTo: ITEM_SEARCH } };
      return undefined;
    });
    try {
      const opened = await openStacApi(`${api.url}api`, { http });
      expect(opened.conformsTo).toEqual(ITEM_SEARCH);
      expect(api.seen.map((r) => r.path)).toEqual(['/api', '/api/conformance']);
    } finally {
      await api.close();
    }
  });

  it('follows the rel=conformance link when there is one', async () => {
    const api = await fakeApi((req) => {
      if (req.path === '/') return { body: { stac_version: '1.0.0', links: [{ rel: 'conformance', href: 'elsewhere/conf' }] } };
      if (req.path === '/elsewhere/conf') return { body: { conformsTo: ITEM_SEARCH } };
      return undefined;
    });
    try {
      expect((await openStacApi(api.url, { http })).conformsTo).toEqual(ITEM_SEARCH);
    } finally {
      await api.close();
    }
  });

  it('declares nothing when there is no /conformance at all', async () => {
    const api = await fakeApi((req) => (req.path === '/' ? { body: { stac_version: '1.0.0', links: [] } } : undefined));
    try {
      expect((await openStacApi(api.url, { http })).conformsTo).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('resolves relative links against the landing page, with or without its trailing slash', async () => {
    const landing = { stac_version: '1.0.0', conformsTo: ITEM_SEARCH, links: [{ rel: 'search', href: 'search', method: 'GET' }] };
    const api = await fakeApi((req) => (req.path === '/api/' || req.path === '/api' ? { body: landing } : undefined));
    try {
      for (const url of [`${api.url}api/`, `${api.url}api`]) {
        const opened = await openStacApi(url, { http });
        expect(searchUrl(opened, 'GET')).toBe(`${api.url}api/search`);
        expect(defaultMethod(opened)).toBe('GET');
      }
    } finally {
      await api.close();
    }
  });

  it('prefers POST when the landing page advertises it', async () => {
    const landing = {
      stac_version: '1.0.0',
      conformsTo: ITEM_SEARCH,
      links: [
        { rel: 'search', href: 'http://127.0.0.1:1/api//search', method: 'GET' },
        { rel: 'search', href: 'http://127.0.0.1:1/api//search', method: 'POST' },
      ],
    };
    const api = await fakeApi(() => ({ body: landing }));
    try {
      const opened = await openStacApi(api.url, { http });
      expect(defaultMethod(opened)).toBe('POST');
      expect(opened.searchLinks).toEqual({ GET: 'http://127.0.0.1:1/api/search', POST: 'http://127.0.0.1:1/api/search' });
    } finally {
      await api.close();
    }
  });

  it('refuses a landing page that is not STAC', async () => {
    const api = await fakeApi(() => ({ body: { hello: 'world' } }));
    try {
      await expect(openStacApi(api.url, { http })).rejects.toMatchObject({ code: 'ERR_STAC_NOT_STAC', errorClass: 'fatal', url: api.url });
    } finally {
      await api.close();
    }
  });

  it('refuses a landing page that is not JSON', async () => {
    const api = await fakeApi(() => ({ body: '<html>hello</html>', headers: { 'content-type': 'text/html' } }));
    try {
      await expect(openStacApi(api.url, { http })).rejects.toThrow(/landing page: GET .* body that is not JSON \(<html>hello<\/html>\)/);
    } finally {
      await api.close();
    }
  });

  it('reports a 404 with the API words and what to do', async () => {
    const api = await fakeApi(() => undefined);
    try {
      const err = (await openStacApi(`${api.url}nope/`, { http }).catch((e: unknown) => e)) as StacApiError;
      expect(err).toBeInstanceOf(StacApiError);
      expect(err).toMatchObject({ code: 'ERR_STAC_HTTP', status: 404, apiCode: 'NotFound', description: 'Not Found', errorClass: 'fatal' });
      expect(err.message).toMatch(/landing page: GET http:\/\/127\.0\.0\.1:\d+\/nope\/ answered 404 Not Found: NotFound: Not Found\. Check the api URL/);
      expect(err.cause).toBeDefined();
    } finally {
      await api.close();
    }
  });

  it('says the API is unreachable after the retries', async () => {
    const api = await fakeApi(() => undefined);
    await api.close(); // nothing listens on that port any more
    const err = (await openStacApi(api.url, { http }).catch((e: unknown) => e)) as StacApiError;
    expect(err).toMatchObject({ code: 'ERR_STAC_UNREACHABLE', errorClass: 'fatal', url: api.url });
    expect(err.message).toMatch(/cannot reach GET .* after 2 retries: connection refused \(ECONNREFUSED\)/);
  });
});
