import { requestHeaders, type ApiHeaders } from '../../src/stac/request-headers.js';

const api: ApiHeaders = { origin: 'https://api.example', headers: { Authorization: 'Bearer s3cret', 'X-Api-Key': 'k1' } };

describe('requestHeaders', () => {
  it('sends the stage headers to the api origin, a request’s own headers over them', () => {
    expect(requestHeaders({ method: 'GET', url: 'https://api.example/search?x=1', headers: { 'x-page': '2' } }, api)).toEqual({
      headers: { Authorization: 'Bearer s3cret', 'X-Api-Key': 'k1', 'x-page': '2' },
      withheld: [],
    });
  });

  it.each([
    ['another host', 'https://other.example/search'],
    ['another port', 'https://api.example:8443/search'],
    ['plain http on the same host', 'http://api.example/search'],
  ])('sends none of them to %s, and names them', (_name, url) => {
    expect(requestHeaders({ method: 'GET', url }, api)).toEqual({ headers: {}, withheld: ['Authorization', 'X-Api-Key'] });
  });

  it('keeps the link’s own headers elsewhere, minus anything like a credential', () => {
    const headers = { 'x-page': '2', authorization: 'Bearer other', cookie: 'c=1', 'x-api-key': 'k2', 'x-echo': 'Bearer s3cret' };
    expect(requestHeaders({ method: 'GET', url: 'https://other.example/', headers }, api)).toEqual({
      headers: { 'x-page': '2' },
      withheld: ['Authorization', 'X-Api-Key', 'cookie', 'x-echo'],
    });
  });

  it('without stage headers sends a request’s headers as they are', () => {
    expect(requestHeaders({ method: 'GET', url: 'https://other.example/', headers: { a: 'b' } }, undefined)).toEqual({ headers: { a: 'b' }, withheld: [] });
  });
});
