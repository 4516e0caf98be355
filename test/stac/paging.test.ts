import { createHttpClient } from '../../src/http/client.js';
import type { StacApiError } from '../../src/stac/errors.js';
import { nextRequest, requestKey, searchPages, type NextLink } from '../../src/stac/paging.js';
import type { JsonRequest } from '../../src/stac/transport.js';
import { fakeApi, item } from './fake-api.js';

const search = 'http://127.0.0.1:9/api/search';

describe('nextRequest', () => {
  it('follows a GET next link as given (method defaults to GET)', () => {
    const previous: JsonRequest = { method: 'GET', url: `${search}?limit=1` };
    expect(nextRequest({ rel: 'next', href: `${search}?limit=1&next=abc` }, previous)).toEqual({ method: 'GET', url: `${search}?limit=1&next=abc` });
  });

  it('sends a POST next link body as given when merge is false', () => {
    const previous: JsonRequest = { method: 'POST', url: search, body: { collections: ['a'], limit: 1 } };
    const next = nextRequest({ rel: 'next', href: search, method: 'POST', merge: false, body: { collections: ['a'], limit: 1, next: 't' } }, previous);
    expect(next).toEqual({ method: 'POST', url: search, body: { collections: ['a'], limit: 1, next: 't' } });
  });

  it('merges the body into the previous request body when merge is true', () => {
    const previous: JsonRequest = { method: 'POST', url: search, body: { collections: ['a'], limit: 1, token: 'p1' } };
    const next = nextRequest({ rel: 'next', href: search, method: 'POST', merge: true, body: { token: 'p2' } }, previous);
    expect(next.body).toEqual({ collections: ['a'], limit: 1, token: 'p2' });
  });

  it('sends the link headers, merged over the previous ones when merge is true', () => {
    const previous: JsonRequest = { method: 'POST', url: search, body: {}, headers: { 'x-a': '1' } };
    expect(nextRequest({ rel: 'next', href: search, method: 'POST', headers: { 'x-b': '2' } }, previous).headers).toEqual({ 'x-b': '2' });
    expect(nextRequest({ rel: 'next', href: search, method: 'POST', merge: true, headers: { 'x-b': '2' } }, previous).headers).toEqual({
      'x-a': '1',
      'x-b': '2',
    });
  });

  it('resolves a relative href against the page URL and collapses double slashes', () => {
    const previous: JsonRequest = { method: 'GET', url: `${search}?limit=1` };
    expect(nextRequest({ rel: 'next', href: '?limit=1&next=x' }, previous).url).toBe(`${search}?limit=1&next=x`);
    expect(nextRequest({ rel: 'next', href: 'http://127.0.0.1:9/api//search?next=x' }, previous).url).toBe(`${search}?next=x`);
  });

  it('does not carry the previous headers to a next link on another origin, even with merge', () => {
    const previous: JsonRequest = { method: 'POST', url: search, body: {}, headers: { 'x-session': 'abc' } };
    const next = nextRequest({ rel: 'next', href: 'http://other.example/search', method: 'POST', merge: true, headers: { 'x-page': '2' } }, previous);
    expect(next.headers).toEqual({ 'x-page': '2' });
  });

  it('refuses link headers that are not header names with text values', () => {
    const previous: JsonRequest = { method: 'GET', url: search };
    for (const headers of [{ 'x-a': 1 }, { 'bad name': 'x' }, { 'x-a': 'a\r\nInjected: 1' }, ['x']]) {
      expect(() => nextRequest({ rel: 'next', href: search, headers } as unknown as NextLink, previous)).toThrow(
        expect.objectContaining({ code: 'ERR_STAC_BAD_RESPONSE', errorClass: 'fatal' }),
      );
    }
  });

  it('refuses a next link that is not an http(s) URL', () => {
    const previous: JsonRequest = { method: 'GET', url: search };
    expect(() => nextRequest({ rel: 'next', href: 'file:///etc/passwd' }, previous)).toThrow(/next link: file:\/\/\/etc\/passwd is not http or https/);
    expect(() => nextRequest({ rel: 'next', href: 'http://[::1' }, previous)).toThrow(expect.objectContaining({ code: 'ERR_STAC_BAD_RESPONSE' }));
  });

  it('refuses a method other than GET or POST', () => {
    expect(() => nextRequest({ rel: 'next', href: search, method: 'DELETE' }, { method: 'GET', url: search })).toThrow(/method DELETE/);
  });
});

describe('requestKey', () => {
  it('is the same for bodies that differ only in key order', () => {
    expect(requestKey({ method: 'POST', url: search, body: { a: 1, b: { c: 2, d: 3 } } })).toBe(
      requestKey({ method: 'POST', url: search, body: { b: { d: 3, c: 2 }, a: 1 } }),
    );
  });

  it('tells requests apart by method, url and body', () => {
    const keys = new Set([
      requestKey({ method: 'GET', url: search }),
      requestKey({ method: 'POST', url: search, body: {} }),
      requestKey({ method: 'POST', url: search, body: { next: 'x' } }),
      requestKey({ method: 'GET', url: `${search}?next=x` }),
    ]);
    expect(keys.size).toBe(4);
  });
});

describe('searchPages reads features lazily', () => {
  const collect = async (body: string) => {
    const api = await fakeApi(() => ({ body }));
    const items: string[] = [];
    try {
      for await (const page of searchPages({ method: 'GET', url: `${api.url}search` }, { http: createHttpClient(), label: 'search' })) {
        expect(page.items.length).toBe(3);
        for (const item of page.items) items.push(item.id);
      }
      return { items };
    } catch (err) {
      return { items, err: err as StacApiError };
    } finally {
      await api.close();
    }
  };

  it('gives every item of a page, in order, with the page size known up front', async () => {
    const result = await collect(JSON.stringify({ features: [item('a'), item('b'), item('c')], links: [] }));
    expect(result).toEqual({ items: ['a', 'b', 'c'] });
  });

  it('a feature that is not JSON or not an item fails where it is, naming its index and the request', async () => {
    const broken = `{"features":[${JSON.stringify(item('a'))},{"id":tru},${JSON.stringify(item('c'))}],"links":[]}`;
    const notJson = await collect(broken);
    expect(notJson.items).toEqual(['a']);
    expect(notJson.err?.code).toBe('ERR_STAC_BAD_RESPONSE');
    expect(notJson.err?.message).toMatch(/search, page 1: feature 1 of GET http:\/\/127\.0\.0\.1:\d+\/search is not valid JSON/);

    const noId = await collect(JSON.stringify({ features: [item('a'), item('b'), { type: 'Feature' }], links: [] }));
    expect(noId.items).toEqual(['a', 'b']);
    expect(noId.err?.message).toMatch(/feature 2 of GET .* is not a STAC item \(no string `id`\)/);
  });
});
