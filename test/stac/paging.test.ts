import { nextRequest, requestKey } from '../../src/stac/paging.js';
import type { JsonRequest } from '../../src/stac/transport.js';

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
