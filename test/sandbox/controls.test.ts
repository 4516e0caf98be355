import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { getJson, postJson, type Page } from './http.js';

const started: Sandbox[] = [];
async function sandboxWith(options: SandboxOptions): Promise<Sandbox> {
  const sandbox = await startSandbox({ itemsPerCollection: 20, ...options });
  started.push(sandbox);
  return sandbox;
}
afterAll(() => Promise.all(started.map((s) => s.close())));

describe('scripted faults', () => {
  it('fails the first N matching requests with the status, Retry-After and a stac-server-like body', async () => {
    const sandbox = await sandboxWith({ faults: [{ path: '/search', method: 'POST', status: 429, times: 2, retryAfter: '1' }] });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const reply = await postJson(`${sandbox.url}search`, { limit: 1 });
      statuses.push(reply.status);
      if (reply.status === 429) {
        expect(reply.headers.get('retry-after')).toBe('1');
        expect(reply.body).toEqual({ code: 'TooManyRequests', description: 'Too Many Requests' });
      }
    }
    expect(statuses).toEqual([429, 429, 200]);
    expect((await getJson(`${sandbox.url}search`)).status).toBe(200); // GET does not match the POST rule
  });

  it('takes faults added at runtime, with skip, a custom body and prefix paths', async () => {
    const sandbox = await sandboxWith({});
    sandbox.addFault({ path: '/collections/*', status: 502, skip: 1, body: { message: 'Internal server error' } });
    const first = await getJson(`${sandbox.url}collections/kaguya_terrain_camera_monoscopic_uncontrolled_observations/items`);
    const second = await getJson(`${sandbox.url}collections/kaguya_terrain_camera_monoscopic_uncontrolled_observations/items`);
    const third = await getJson(`${sandbox.url}collections`);
    expect([first.status, second.status, third.status]).toEqual([200, 502, 200]);
    expect(second.body).toEqual({ message: 'Internal server error' });
  });

  it('resets the connection when asked (the client sees a network error)', async () => {
    const sandbox = await sandboxWith({ faults: [{ path: '/', reset: true }] });
    await expect(fetch(sandbox.url)).rejects.toThrow();
    expect((await getJson(sandbox.url)).status).toBe(200);
  });

  it('delays without failing when a rule has no status', async () => {
    const sandbox = await sandboxWith({ faults: [{ path: '/conformance', delayMs: 20 }] });
    expect((await getJson(`${sandbox.url}conformance`)).status).toBe(200);
  });
});

describe('random failures and latency', () => {
  it('answers about failureRate of the requests with 503 (faultRate with 503 only), the same ones for the same seed', async () => {
    const run = async () => {
      const sandbox = await sandboxWith({ failureRate: 0.5, seed: 3 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i += 1) statuses.push((await getJson(`${sandbox.url}conformance`)).status);
      return statuses;
    };
    const statuses = await run();
    expect(new Set(statuses)).toEqual(new Set([200, 503]));
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(5);
    expect(await run()).toEqual(statuses);
  });

  it('sends stac-server-like 503 bodies', async () => {
    const sandbox = await sandboxWith({ failureRate: 1 });
    const reply = await getJson(`${sandbox.url}search`);
    expect(reply.status).toBe(503);
    expect(reply.body).toEqual({ code: 'ServiceUnavailable', description: 'Service Unavailable' });
  });

  it('still answers with latency added', async () => {
    const sandbox = await sandboxWith({ latencyMs: 15 });
    expect((await getJson(`${sandbox.url}search?limit=1`)).status).toBe(200);
  });
});

describe('request log', () => {
  it('records method, path, query, body and status, and can be cleared', async () => {
    const sandbox = await sandboxWith({ faults: [{ path: '/search', method: 'POST', status: 500 }] });
    await getJson(`${sandbox.url}search?bbox=3,4,5,6&limit=2`);
    await postJson(`${sandbox.url}search`, { collections: ['x'] });
    await getJson(`${sandbox.url}search?limit=0`);
    expect(sandbox.requests).toEqual([
      { method: 'GET', path: '/search', query: { bbox: '3,4,5,6', limit: '2' }, status: 200, url: '/search?bbox=3,4,5,6&limit=2' },
      { method: 'POST', path: '/search', query: {}, body: { collections: ['x'] }, status: 500, url: '/search', fault: '500' },
      { method: 'GET', path: '/search', query: { limit: '0' }, status: 400, url: '/search?limit=0' },
    ]);
    sandbox.clearRequests();
    expect(sandbox.requests).toEqual([]);
  });
});

describe('served API variants', () => {
  it('serves an overridden conformsTo and then ignores filter, as a server without the extension', async () => {
    const conformsTo = ['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search'];
    const sandbox = await sandboxWith({ conformsTo });
    expect((await getJson(sandbox.url)).body.conformsTo).toEqual(conformsTo);
    expect((await getJson(`${sandbox.url}conformance`)).body).toEqual({ conformsTo });
    const filtered = await postJson<Page>(`${sandbox.url}search`, { filter: { op: '=', args: [{ property: 'id' }, 'nothing'] } });
    expect(filtered.body.numberMatched).toBe(60);
  });

  it('writes links with a doubled slash when asked, and serves such paths', async () => {
    const sandbox = await sandboxWith({ doubleSlashLinks: true });
    const { body } = await getJson<Page>(`${sandbox.url}search?limit=1`);
    const next = body.links.find((l) => l.rel === 'next')!;
    expect(next.href.startsWith(`${sandbox.url}/search?`)).toBe(true);
    expect((await getJson(next.href)).status).toBe(200);
    expect(sandbox.requests[1].path).toBe('/search');
  });
});
