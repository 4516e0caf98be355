import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from './run-bin.js';

// `stacflow collections API` through the built bin (`npm run build` first): the sandbox's collections, and a
// small paging API on 127.0.0.1 for what the sandbox does not do (a `data` link elsewhere, next links, a loop).

const LIMIT_MS = 20_000;
const lines = (text: string) => text.split('\n').filter((line) => line !== '');

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, s3: { enabled: false } });
});
afterAll(async () => {
  await sandbox.close();
});

test('lists each collection of the sandbox as id and title, and with --json as the API serves it', async () => {
  const served = (await (await fetch(`${sandbox.url}collections`)).json()) as { collections: Array<{ id: string; title: string }> };
  expect(served.collections).toHaveLength(3);

  const text = await runBin('stacflow', ['collections', sandbox.url], { timeoutMs: LIMIT_MS });
  expect(text.code).toBe(0);
  expect(lines(text.stdout).map((line) => line.split(/\s{2,}/))).toEqual(served.collections.map((c) => [c.id, c.title]));

  const json = await runBin('stacflow', ['collections', sandbox.url, '--json'], { timeoutMs: LIMIT_MS });
  expect(json.code).toBe(0);
  expect(lines(json.stdout).map((line) => JSON.parse(line))).toEqual(served.collections);
}, 2 * LIMIT_MS);

describe('an API whose collections come in pages', () => {
  let server: Server;
  let base: string;
  /** Page n links to page n + 1 up to `pages`; with `loop`, the last page links back to the first. */
  const settings = { pages: 3, loop: false };
  const requested: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', base);
      requested.push(url.pathname + url.search);
      const send = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (url.pathname === '/api/') return send({ stac_version: '1.0.0', conformsTo: [], links: [{ rel: 'data', href: `${base}/api/catalog/collections` }] });
      if (url.pathname !== '/api/catalog/collections') return res.writeHead(404).end();
      const page = Number(url.searchParams.get('page') ?? '1');
      const next = page < settings.pages ? page + 1 : settings.loop ? 1 : undefined;
      send({
        collections: [{ id: `c${page}a`, title: `Page ${page}, first` }, { id: `c${page}b-\u001b[31m`, title: `Page ${page}, second` }],
        links: next === undefined ? [] : [{ rel: 'next', href: next === 1 ? 'collections' : `collections?page=${next}` }],
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test('follows the data link and the next links to the last page; ids from the server are escaped for the terminal', async () => {
    settings.loop = false;
    requested.length = 0;
    const { code, stdout } = await runBin('stacflow', ['collections', `${base}/api/`], { timeoutMs: LIMIT_MS });
    expect(code).toBe(0);
    expect(lines(stdout).map((line) => line.split(/\s{2,}/)[0])).toEqual(['c1a', 'c1b-\\x1b[31m', 'c2a', 'c2b-\\x1b[31m', 'c3a', 'c3b-\\x1b[31m']);
    expect(requested).toEqual(['/api/', '/api/catalog/collections', '/api/catalog/collections?page=2', '/api/catalog/collections?page=3']);
  }, LIMIT_MS);

  test('a next link back to a page already read ends the listing: exit 1, ERR_STAC_NEXT_LOOP, no stack', async () => {
    settings.loop = true;
    const { code, stdout, stderr } = await runBin('stacflow', ['collections', `${base}/api/`, '--json'], { timeoutMs: LIMIT_MS });
    expect({ code, stderr }).toMatchObject({ code: 1 });
    expect(lines(stdout)).toHaveLength(6); // the three pages went out as they came
    expect(stderr).toContain('ERR_STAC_NEXT_LOOP: collections, page 4: the next link of the previous page leads back to');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, LIMIT_MS);
});

test('a URL that is not one, or a bad header: exit 2 before any request', async () => {
  const bad = await runBin('stacflow', ['collections', 'stac.example'], { timeoutMs: LIMIT_MS });
  expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 2, stdout: '' });
  expect(bad.stderr).toContain('API: "stac.example" is not a URL');
  sandbox.clearRequests();
  const header = await runBin('stacflow', ['collections', sandbox.url, '--header', 'Authorization'], { timeoutMs: LIMIT_MS });
  expect(header.code).toBe(2);
  expect(header.stderr).toContain('--header "Authorization": expected NAME=VALUE');
  expect(sandbox.requests).toEqual([]);
}, 2 * LIMIT_MS);
