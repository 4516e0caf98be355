import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { runBin } from './run-bin.js';

/**
 * Hostile items and labels through the real bin (`run-pipeline`, its shebang's flags: the PVL parse
 * worker must start under them), against a loopback STAC API that serves them: each fails its own item
 * with its code, every other item is in the CSV, the run ends within bounds of time and memory.
 */

const CONFORMS = ['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search'];
const GOOD_LABEL = 'Object = Caminfo\n  Group = Geometry\n    IncidenceAngle = 42.5\n  End_Group\nEnd_Object\nEnd\n';
/** Invalid PVL the fast path declines: the grammar (on the worker thread) must locate it. */
const BROKEN_LABEL = 'Object = Caminfo\n  Lines = = 5\nEnd_Object\nEnd\n';
const DEEP_LABEL = 'OBJECT = A\n'.repeat(1000);
const HUGE_LABEL = `Object = Caminfo\n${'  Key = 12.5 <km>\n'.repeat(120_000)}  Bad = = 1\nEnd_Object\nEnd\n`;

/** Sent as text: JSON.stringify itself overflows on 6,000 levels. */
const DEEP_JSON = `${'['.repeat(6000)}1${']'.repeat(6000)}`;

let server: Server;
let base: string;
const item = (id: string, label: string, properties: Record<string, unknown> = {}) => ({
  type: 'Feature', stac_version: '1.0.0', id, collection: 'c', geometry: null, bbox: [0, 0, 1, 1],
  properties: { datetime: '2020-01-01T00:00:00Z', ...properties },
  assets: { caminfo: { href: `${base}/labels/${label}` } },
  links: [],
});

beforeAll(async () => {
  const labels: Record<string, string> = { 'good.pvl': GOOD_LABEL, 'broken.pvl': BROKEN_LABEL, 'deep.pvl': DEEP_LABEL, 'huge.pvl': HUGE_LABEL };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const [before, after] = JSON.stringify(body).replace('"DEEP"', DEEP_JSON).split('BAD_UTF8');
      // Bytes that are no UTF-8 at all inside a string value.
      res.end(after === undefined ? before : Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(after)]));
    };
    if (url.pathname === '/') return json({ stac_version: '1.0.0', id: 'hostile', conformsTo: CONFORMS, links: [{ rel: 'search', href: `${base}/search`, method: 'GET' }] });
    if (url.pathname === '/search') {
      return json({
        type: 'FeatureCollection',
        features: [
          item('first', 'good.pvl'),
          item('deep-item', 'good.pvl', { nested: 'DEEP' }),
          item('broken-label', 'broken.pvl'),
          item('deep-label', 'deep.pvl'),
          item('huge-label', 'huge.pvl'),
          item('proto', 'good.pvl', { __proto__: { polluted: true }, constructor: 'x' }),
          item('=cmd|calc', 'good.pvl'),
          item('bad-utf8', 'good.pvl', { note: 'BAD_UTF8' }),
          item('huge-value', 'good.pvl', { note: 'x'.repeat(5_000_000) }),
          item('last', 'good.pvl'),
        ].map((f) => (f.id === 'proto' ? JSON.parse(JSON.stringify(f).replace('"properties":{', '"properties":{"__proto__":{"polluted":true},')) : f)),
        links: [],
      });
    }
    const label = labels[url.pathname.replace('/labels/', '')];
    if (label === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(label);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Peak RSS (kB) of a process, sampled every 50 ms until it exits. */
function watchRss(pid: () => number | undefined): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    const id = pid();
    if (id === undefined) return;
    try {
      const status = execFileSync('cat', [`/proc/${id}/status`], { encoding: 'utf8' });
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb);
    } catch {
      // exited
    }
  }, 50);
  return { stop: () => (clearInterval(timer), peak) };
}

test('a 6,000-deep item, a broken, a 1,000-deep and a 2 MB invalid label each fail their own item; the others are written', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'stacflow-hostile-'));
  const file = path.join(out, 'hostile.yaml');
  await writeFile(
    file,
    [
      'name: hostile',
      'source:',
      `  stac_search: { api: "${base}/" }`,
      'steps:',
      '  - fetch_label: { asset: caminfo, as: caminfo, concurrency: 4 }',
      '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle, note: note }',
      'outputs:',
      `  - csv: { path: "${path.join(out, 'out.csv')}" }`,
      '',
    ].join('\n'),
  );
  const started = Date.now();
  let pid: number | undefined;
  const rss = watchRss(() => pid);
  const result = await runBin('run-pipeline', [file], { onSpawn: (p) => (pid = p) });
  const peakKb = rss.stop();
  expect(result.stderr).not.toMatch(/ERR_UNEXPECTED|Initiated Worker|Maximum call stack/);
  expect(result.code).toBe(3);
  expect(Date.now() - started).toBeLessThan(30_000);

  const rows = parse(await readFile(path.join(out, 'out.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
  expect(rows.map((r) => r.id)).toEqual(['first', 'deep-item', 'broken-label', 'deep-label', 'huge-label', 'proto', "'=cmd|calc", 'bad-utf8', 'huge-value', 'last']);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const id of ['first', 'proto', "'=cmd|calc", 'bad-utf8', 'huge-value', 'last']) expect(byId.get(id)).toMatchObject({ incidence_angle: '42.5', failed: '' });
  // Written as they are: invalid UTF-8 as U+FFFD, a 5 MB value whole.
  expect(byId.get('bad-utf8')?.note).toBe('\uFFFD\uFFFD\uFFFD');
  expect(byId.get('huge-value')?.note).toHaveLength(5_000_000);
  expect(byId.get('deep-item')?.failed).toMatch(/^stac_search: item deep-item: nested deeper than 64 levels at properties\.nested\[0\]/);

  const report = JSON.parse(await readFile(path.join(out, 'hostile.report.json'), 'utf8'));
  const codes = Object.fromEntries(report.failures.map((f: { item: string; code: string }) => [f.item, f.code]));
  expect(codes).toEqual({ 'deep-item': 'ERR_ITEM_INVALID', 'broken-label': 'ERR_PVL_SYNTAX', 'deep-label': 'ERR_PVL_DEPTH', 'huge-label': 'ERR_PVL_SYNTAX' });
  const messages = Object.fromEntries(report.failures.map((f: { item: string; message: string }) => [f.item, f.message]));
  expect(messages['broken-label']).toContain(`${base}/labels/broken.pvl:2:11: not valid PVL: expected a value`);
  expect(messages['deep-label']).toContain(`${base}/labels/deep.pvl:65:1: not valid PVL: nesting deeper than 64 levels`);
  expect(messages['huge-label']).toContain(`${base}/labels/huge.pvl:120002:9: not valid PVL: expected a value`);
  expect(report.items).toEqual({ total: 10, failed: 4, written: 10 });
  // Peak RSS of the whole run (the 2 MB invalid label took 1.9 GB in the grammar's error path before).
  if (peakKb > 0) expect(peakKb).toBeLessThan(300 * 1024);
}, 60_000);
