import { redirectedRequest, sameOrigin } from '../../src/http/redirect.js';

const post = { method: 'POST' as const, url: 'https://api.example/search', headers: { authorization: 'Bearer x', accept: 'application/json', 'content-type': 'application/json' }, json: { a: 1 } };

test('origins are scheme, host and port', () => {
  expect(sameOrigin('https://a.example/x', 'https://a.example:443/y')).toBe(true);
  expect(sameOrigin('https://a.example/', 'http://a.example/')).toBe(false);
  expect(sameOrigin('https://a.example/', 'https://a.example:8443/')).toBe(false);
});

test('307 and 308 keep the method, body and (same origin) headers', () => {
  expect(redirectedRequest(post, 307, '/v2/search')).toEqual({ ...post, url: 'https://api.example/v2/search' });
  expect(redirectedRequest(post, 308, 'https://api.example/v2')).toEqual({ ...post, url: 'https://api.example/v2' });
});

test('303 turns a POST into a GET without its body', () => {
  expect(redirectedRequest(post, 303, '/result')).toEqual({ method: 'GET', url: 'https://api.example/result', headers: { authorization: 'Bearer x', accept: 'application/json' } });
});

test('to another origin, or to http, only the headers that carry no credential go', () => {
  for (const location of ['https://cdn.example/page', 'http://api.example/search']) {
    expect(redirectedRequest(post, 307, location).headers).toEqual({ accept: 'application/json', 'content-type': 'application/json' });
  }
});

test('a redirect to something that is not http(s), or not a URL, is refused', () => {
  expect(() => redirectedRequest(post, 302, 'file:///etc/passwd')).toThrow(expect.objectContaining({ code: 'ERR_HTTP_REDIRECTS' }));
  expect(() => redirectedRequest(post, 302, 'http://[::1')).toThrow(expect.objectContaining({ code: 'ERR_HTTP_REDIRECTS' }));
});
