import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { stacflowCli } from '../../src/cli/stacflow.js';
import { ROOT, runBin } from './run-bin.js';

// `stacflow search` through the built bin (`npm run build` first) against the sandbox: NDJSON on stdout as
// the pages come, --save through the pipeline writers, --matched, and bad flags (exit 2, the flag named).

const [STEREO, SPSUPPORT, MONO] = [
  'kaguya_terrain_camera_stereoscopic_uncontrolled_observations',
  'kaguya_terrain_camera_spsupport_uncontrolled_observations',
  'kaguya_terrain_camera_monoscopic_uncontrolled_observations',
];
const BBOX = [3, 4, 5, 6];
const LIMIT_MS = 20_000;

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, s3: { enabled: false } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stacflow-search-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `stacflow search ARGS` in a fresh working directory, killed after LIMIT_MS. */
const search = (args: string[]) => runBin('stacflow', ['search', ...args], { cwd: dir, timeoutMs: LIMIT_MS });
const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const expected = (params: Record<string, unknown>) => sandbox.catalog.search(params).map((e) => `${e.collection}/${e.id}`);

test('prints the items of the search on stdout, one STAC Item a line in the API order, and only them; a summary on stderr; no report file', async () => {
  const { code, stdout, stderr } = await search([sandbox.url, '-c', STEREO, MONO, '--bbox', ...BBOX.map(String), '--limit', '7']);
  expect(code).toBe(0);
  const items = lines(stdout).map((line) => JSON.parse(line));
  const want = expected({ collections: [STEREO, MONO], bbox: BBOX });
  expect(want.length).toBeGreaterThan(14); // several pages of 7
  expect(items.map((i) => `${i.collection}/${i.id}`)).toEqual(want);
  expect(items.every((i) => i.type === 'Feature' && i.stac_version === '1.0.0')).toBe(true);
  // The items as the API serves them: nothing of the run is added.
  expect(items[0]).toEqual(sandbox.catalog.item(items[0].collection, items[0].id, sandbox.url.replace(/\/$/, '')));
  expect(stderr).toContain(`search: ${want.length} items of ${want.length} matched in`);
  expect(await readdir(dir)).toEqual([]);
  // GET as asked: the flags went into the query string as pystac-client sends them.
  sandbox.clearRequests();
  const get = await search([sandbox.url, '--method', 'GET', '-c', `${STEREO},${MONO}`, '--bbox', BBOX.join(','), '--max-items', '3', '--sortby=-properties.datetime']);
  expect(get).toMatchObject({ code: 0 }); // (stderr shown when not)
  expect(lines(get.stdout)).toHaveLength(3);
  const searches = sandbox.requests.filter((r) => r.path === '/search');
  expect(searches.map((r) => r.method)).toEqual(['GET']);
  expect(searches[0].query).toMatchObject({ collections: `${STEREO},${MONO}`, bbox: '3,4,5,6', sortby: '-properties.datetime' });
}, 2 * LIMIT_MS);

test('streams: the first item is on stdout before the sandbox served the last page', async () => {
  const slow = await startSandbox({ seed: 7, s3: { enabled: false }, latencyMs: 150 });
  try {
    const total = slow.catalog.search({ bbox: BBOX }).length;
    const pages = Math.ceil(total / 5);
    expect(pages).toBeGreaterThan(6);
    const servedPages = () => slow.requests.filter((r) => r.path === '/search' && r.status !== 0).length;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'stacflow.js'), 'search', slow.url, '--bbox', ...BBOX.map(String), '--limit', '5'], {
      cwd: dir, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: LIMIT_MS,
    });
    let stdout = '';
    let servedAtFirstLine: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (servedAtFirstLine === undefined && stdout.includes('\n')) servedAtFirstLine = servedPages();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(lines(stdout)).toHaveLength(total);
    expect(servedPages()).toBeGreaterThanOrEqual(pages); // (and an empty last one when the last is full)
    // The page being read and, at most, the one fetched ahead of it.
    expect(servedAtFirstLine).toBeLessThanOrEqual(2);
  } finally {
    await slow.close();
  }
}, 2 * LIMIT_MS);

test('--save writes NDJSON, GeoJSON, GeoParquet and CSV through the pipeline writers, readable by `stacflow cql2 --items`; stdout stays empty', async () => {
  const want = expected({ collections: [SPSUPPORT], bbox: BBOX }).map((e) => e.split('/')[1]);
  expect(want.length).toBeGreaterThan(3);
  for (const name of ['items.ndjson', 'items.geojson', 'items.parquet', 'items.csv']) {
    const file = path.join(dir, name);
    const { code, stdout, stderr } = await search([sandbox.url, '-c', SPSUPPORT, '--bbox', ...BBOX.map(String), '--save', file]);
    expect({ name, code, stdout }).toEqual({ name, code: 0, stdout: '' });
    expect(stderr).toContain(`→ ${file}`);
    if (name.endsWith('.csv')) {
      const rows = parse(await readFile(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
      expect(rows.map((r) => r.id)).toEqual(want);
      expect(rows.every((r) => r.collection === SPSUPPORT)).toBe(true);
      continue;
    }
    const read = await runBin('stacflow', ['cql2', 'TRUE', '--items', file], { timeoutMs: LIMIT_MS });
    expect({ name, code: read.code, ids: lines(read.stdout) }).toEqual({ name, code: 0, ids: want });
  }
}, 6 * LIMIT_MS);

test('--report PATH writes the run report there (and only then)', async () => {
  const report = path.join(dir, 'search.report.json');
  const { code } = await search([sandbox.url, '-c', MONO, '--max-items', '4', '--report', report]);
  expect(code).toBe(0);
  expect(JSON.parse(await readFile(report, 'utf8'))).toMatchObject({ status: 'done', exit_code: 0, items: { total: 4, failed: 0 } });
}, LIMIT_MS);

test('--matched prints numberMatched per collection, equal to the sandbox counts, with one request of limit 1 each and no item', async () => {
  sandbox.clearRequests();
  const { code, stdout } = await search([sandbox.url, '-c', STEREO, SPSUPPORT, MONO, '--bbox', ...BBOX.map(String), '--datetime', '2008-01-01/..', '--matched']);
  expect(code).toBe(0);
  const counts = [STEREO, SPSUPPORT, MONO].map((c) => expected({ collections: [c], bbox: BBOX, datetime: '2008-01-01T00:00:00Z/..' }).length);
  expect(counts.every((n) => n > 0)).toBe(true);
  expect(lines(stdout)).toEqual([
    `${counts[0]} items matched in ${STEREO}`,
    `${counts[1]} items matched in ${SPSUPPORT}`,
    `${counts[2]} items matched in ${MONO}`,
    `${counts[0] + counts[1] + counts[2]} items matched in all`,
  ]);
  const searches = sandbox.requests.filter((r) => r.path === '/search');
  expect(searches.map((r) => (r.body as { limit?: number }).limit)).toEqual([1, 1, 1]);

  const all = await search([sandbox.url, '--bbox', ...BBOX.map(String), '--matched']);
  expect(all).toMatchObject({ code: 0, stdout: `${expected({ bbox: BBOX }).length} items matched\n` });
}, 2 * LIMIT_MS);

test('--matched says when the API gives no count', async () => {
  const quiet = await startSandbox({ seed: 7, s3: { enabled: false } });
  try {
    // stac-server's page with numberMatched and context taken out.
    const page = { type: 'FeatureCollection', features: [], links: [] };
    quiet.addFault({ path: '/search', status: 200, body: page, times: Infinity });
    const { code, stdout, stderr } = await runBin('stacflow', ['search', quiet.url, '-c', MONO, '--matched'], { cwd: dir, timeoutMs: LIMIT_MS });
    expect(code).toBe(0);
    expect(stdout).toBe(`? items matched in ${MONO}\n`);
    expect(stderr).toContain('gives no numberMatched (nor context.matched)');
  } finally {
    await quiet.close();
  }
}, LIMIT_MS);

test.each([
  [['--bbox', '3', '4', '5'], '--bbox: needs 4 numbers [west, south, east, north] (or 6 with elevations), got 3'],
  [['--bbox', '3', '4', 'east', '6'], '--bbox: expected numbers west south east north, got "east"'],
  [['--bbox', '3', '95', '5', '96'], '--bbox: south latitude 95 is outside [-90, 90]'],
  [['--datetime', '2008-13-01'], '--datetime: "2008-13-01" has no such month'],
  [['--datetime', '2009/2008'], '--datetime: '],
  [['--intersects', 'no-such-file.json'], '--intersects no-such-file.json: no such file'],
  [['--intersects', '{"type":"Polygon"}'], '--intersects: a Polygon needs `coordinates`'],
  [['--filter', 'gsd <'], '--filter: '],
  [['--max-items', '0'], '--max-items: expected a positive integer, got 0'],
  [['--limit', '1.5'], '--limit: expected an integer'],
  [['--header', 'no-equals-sign'], '--header "no-equals-sign": expected NAME=VALUE'],
  [['--query', 'gsd~3'], '--query gsd~3: expected KEY OP VALUE'],
  [['--save', 'items.txt'], '--save items.txt: unknown extension .txt'],
])('%j is refused before any request, naming the flag (a usage error: exit 2)', async (flags, message) => {
  sandbox.clearRequests();
  // In process, through the CLI's own parser: the exit code of a usage error is tested through the bin below.
  const parsing = stacflowCli(['search', sandbox.url, ...flags]).parseAsync();
  await expect(parsing).rejects.toMatchObject({ code: 'ERR_USAGE', message: expect.stringContaining(message) });
  expect(sandbox.requests).toEqual([]);
}, LIMIT_MS);

test('a bad flag through the bin: exit 2, one line naming the flag, no help, no stack, nothing on stdout', async () => {
  const { code, stdout, stderr } = await search([sandbox.url, '--bbox', '3', '4', '5']);
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toBe('stacflow: ERR_USAGE: --bbox: needs 4 numbers [west, south, east, north] (or 6 with elevations), got 3\n');
}, LIMIT_MS);

test('an --intersects file that is not GeoJSON is named; a GeoJSON Feature file is searched with its geometry', async () => {
  const notGeojson = path.join(dir, 'area.json');
  await writeFile(notGeojson, 'POLYGON((3 4, 5 4, 5 6, 3 6, 3 4))');
  const bad = await search([sandbox.url, '--intersects', notGeojson]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain(`--intersects ${notGeojson}: not GeoJSON`);

  const feature = path.join(dir, 'feature.geojson');
  const polygon = { type: 'Polygon', coordinates: [[[3, 4], [5, 4], [5, 6], [3, 6], [3, 4]]] };
  await writeFile(feature, JSON.stringify({ type: 'Feature', properties: {}, geometry: polygon }));
  const { code, stdout } = await search([sandbox.url, '-c', MONO, '--intersects', feature]);
  expect(code).toBe(0);
  expect(lines(stdout).map((l) => `${JSON.parse(l).collection}/${JSON.parse(l).id}`)).toEqual(expected({ collections: [MONO], intersects: polygon }));
}, 2 * LIMIT_MS);

test('the API named after a list flag is still the API (`--bbox 3 4 5 6 URL`)', async () => {
  const { code, stdout } = await search(['-c', MONO, '--max-items', '2', '--bbox', ...BBOX.map(String), sandbox.url]);
  expect(code).toBe(0);
  expect(lines(stdout)).toHaveLength(2);
}, LIMIT_MS);

test('an API error ends the search: exit 1, the API said on stderr, nothing on stdout, no report file', async () => {
  sandbox.addFault({ path: '/search', status: 400, body: { code: 'BadRequest', description: 'sandbox says no' } });
  const { code, stdout, stderr } = await search([sandbox.url, '-c', MONO]);
  expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
  expect(stderr).toContain('sandbox says no');
  expect(await readdir(dir)).toEqual([]);
}, LIMIT_MS);

test('`stacflow search --help` loads no engine, stage, HTTP client or zod', async () => {
  const log = path.join(dir, 'modules.txt');
  const preload = pathToFileURL(path.join(ROOT, 'test/cli/module-log.mjs')).href;
  const { code, stdout } = await runBin('stacflow', ['search', '--help'], { nodeArgs: ['--import', preload], env: { STACFLOW_MODULE_LOG: log }, timeoutMs: LIMIT_MS });
  expect(code).toBe(0);
  expect(stdout).toContain('--max-items');
  const modules = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  expect(modules.some((m) => m.includes('/dist/src/cli/commands/search.js'))).toBe(true);
  const heavy = ['/dist/src/engine/', '/dist/operators/', '/dist/src/cli/search/', '/node_modules/got/', '/node_modules/zod/', '/node_modules/rxjs/', '/node_modules/pino/'];
  expect(modules.filter((m) => heavy.some((h) => m.includes(h)))).toEqual([]);
}, LIMIT_MS);
