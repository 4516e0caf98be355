import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake API saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  headers: http.IncomingHttpHeaders;
}

export type Route = (req: SeenRequest, url: string) => { status?: number; body: unknown; headers?: Record<string, string> } | undefined;

/**
 * A tiny scripted STAC API on 127.0.0.1 for the cases the sandbox does not play (odd landing pages, merge
 * links). `route` answers each request (undefined: 404 with stac-server's NotFound body); `url` is the
 * server root with a trailing slash.
 */
export async function fakeApi(route: Route) {
  const seen: SeenRequest[] = [];
  let root = '';
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', root);
      const request: SeenRequest = {
        method: req.method ?? 'GET',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        body: raw ? JSON.parse(raw) : undefined,
        headers: req.headers,
      };
      seen.push(request);
      const reply = route(request, root) ?? { status: 404, body: { code: 'NotFound', description: 'Not Found' } };
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url: root, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export const ITEM_SEARCH = ['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search'];

export function item(id: string, collection = 'c1') {
  return { type: 'Feature', stac_version: '1.0.0', id, collection, geometry: null, properties: { datetime: '2009-06-07T14:43:22Z' }, assets: {}, links: [] };
}
