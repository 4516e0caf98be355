import { mkdtemp, readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import { runPipeline } from '../../src/engine/run.js';

/**
 * A run that aborts (the search's second page is refused) while labels of the first page are in flight:
 * the report lists no failure for the labels the abort cancelled, and counts nothing written.
 */
let server: Server;
let base: string;
const waiting: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/') {
      return json(200, { stac_version: '1.0.0', id: 'x', conformsTo: ['https://api.stacspec.org/v1.0.0/item-search'], links: [{ rel: 'search', href: `${base}/search`, method: 'GET' }] });
    }
    if (url.pathname === '/search' && url.searchParams.get('page') !== '2') {
      const features = Array.from({ length: 6 }, (_, i) => ({
        type: 'Feature', id: `item-${i}`, collection: 'c', geometry: null, properties: { datetime: '2020-01-01T00:00:00Z' },
        assets: { caminfo: { href: `${base}/labels/${i}.pvl` } },
      }));
      return json(200, { type: 'FeatureCollection', features, links: [{ rel: 'next', href: `${base}/search?page=2` }] });
    }
    if (url.pathname === '/search') {
      // Once the labels are in flight, the API refuses the next page: the run ends.
      setTimeout(() => json(400, { code: 'BadRequest', description: 'page 2 is gone' }), 300);
      return;
    }
    waiting.push(res); // labels never answer
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of waiting) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('labels in flight when the search fails are not blamed; items.written is 0 and no output is left', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-abort-'));
  const yaml = [
    'name: abort',
    `source: { stac_search: { api: "${base}/" } }`,
    'steps:',
    '  - fetch_label: { asset: caminfo, concurrency: 4 }',
    `outputs: [ { csv: { path: "${path.join(dir, 'out.csv')}" } } ]`,
    '',
  ].join('\n');
  const plan = parsePipeline(yaml, 'abort.yaml', STAGES, {});
  const result = await runPipeline(plan, { log: pino({ level: 'silent' }) });
  await new Promise((r) => setTimeout(r, 50)); // cancelled requests settle
  expect(result.exitCode).toBe(1);
  expect(result.report.error?.message).toContain('page 2 is gone');
  expect(waiting.length).toBeGreaterThan(0); // labels were in flight
  expect(result.report.failures).toEqual([]);
  expect(result.report.items).toMatchObject({ failed: 0, written: 0 });
  expect(result.report.stages.find((s) => s.label === 'fetch_label')?.failed).toBe(0);
  expect(await readdir(dir)).toEqual(['abort.report.json']);
}, 30_000);
