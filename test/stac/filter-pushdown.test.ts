import path from 'node:path';
import { pino } from 'pino';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import { runPipeline } from '../../src/engine/run.js';
import { readLines, tempDir } from '../catalog/catalog-run.js';

/**
 * The pushdown against the sandbox (stac-server's conformance: basic CQL2 in cql2-json only, and its refusal of
 * cql2-text): a filter step right after stac_search has its condition sent with the search when the API
 * evaluates it, and the run keeps exactly the items it keeps with `pushdown: false`, reading fewer pages.
 */
const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const TERMS = ['core', 'item-search', 'item-search#filter', 'item-search#sort'];

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ itemsPerCollection: 120, s3: { enabled: false } });
});
afterAll(async () => {
  await sandbox.close();
});

interface Ran {
  ids: string[];
  searches: Array<{ method: string; filter?: unknown; lang?: unknown }>;
  pages: number;
  logs: string[];
  filterStage: { dropped: number; counters: Record<string, number> };
}

async function run(search: string, steps: string[], options: { conformsTo?: string[] } = {}): Promise<Ran> {
  const target = options.conformsTo ? await startSandbox({ itemsPerCollection: 120, s3: { enabled: false }, conformsTo: options.conformsTo }) : sandbox;
  const dir = await tempDir('pushdown');
  const out = path.join(dir, 'items.ndjson');
  const yaml = [
    'name: pushdown',
    `source: { stac_search: { api: "${target.url}", collections: [${MONO}], limit: 10${search} } }`,
    `steps: [${steps.join(', ')}]`,
    `outputs: [ { ndjson: { path: "${out}" } } ]`,
    '',
  ].join('\n');
  const logs: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => logs.push((JSON.parse(line) as { msg: string }).msg) });
  const before = target.requests.length;
  try {
    const { report, exitCode } = await runPipeline(parsePipeline(yaml, path.join(dir, 'p.yaml'), STAGES, {}), { log, reportPath: path.join(dir, 'report.json') });
    expect(exitCode).toBe(0);
    const searches = target.requests.slice(before).filter((r) => r.path === '/search');
    return {
      ids: (await readLines(out)).map((line) => (JSON.parse(line) as { id: string }).id),
      searches: searches.map((r) => ({ method: r.method, filter: (r.body as { filter?: unknown } | undefined)?.filter ?? r.query.filter, lang: (r.body as Record<string, unknown> | undefined)?.['filter-lang'] ?? r.query['filter-lang'] })),
      pages: searches.length,
      logs,
      filterStage: report.stages.find((s) => s.label === 'filter') ?? { dropped: -1, counters: {} },
    };
  } finally {
    if (target !== sandbox) await target.close();
  }
}

test('a basic-CQL2 condition goes with the search: same items as tested locally, fewer pages', async () => {
  const where = 'gsd < 8.6 AND \\"view:sun_elevation\\" > 20';
  const pushed = await run('', [`{ filter: "${where}" }`]);
  const local = await run('', [`{ filter: { where: "${where}", pushdown: false } }`]);
  const expected = sandbox.catalog.search({ collections: [MONO] }).map((m) => m.id);
  expect(local.ids.length).toBeGreaterThan(10);
  expect(local.ids.length).toBeLessThan(expected.length);
  expect(pushed.ids).toEqual(local.ids);

  expect(pushed.searches[0]).toEqual({
    method: 'POST',
    filter: { op: 'and', args: [{ op: '<', args: [{ property: 'gsd' }, 8.6] }, { op: '>', args: [{ property: 'view:sun_elevation' }, 20] }] },
    lang: 'cql2-json',
  });
  expect(pushed.pages).toBeLessThan(local.pages);
  expect(local.searches.every((s) => s.filter === undefined)).toBe(true);
  expect(pushed.filterStage).toMatchObject({ dropped: 0, counters: { pushed_down: 1 } });
  expect(local.filterStage.dropped).toBe(expected.length - local.ids.length);
  expect(pushed.logs).toContain("stac_search: filter's condition goes with the search (the API evaluates it); filter still tests every item");
}, 30_000);

test('GET carries the pushed condition as CQL2 JSON in the query string', async () => {
  const pushed = await run(', method: GET', ['{ filter: "gsd < 8.6" }']);
  const local = await run(', method: GET', ['{ filter: { where: "gsd < 8.6", pushdown: false } }']);
  expect(pushed.ids).toEqual(local.ids);
  expect(pushed.searches[0]).toMatchObject({ method: 'GET', lang: 'cql2-json' });
  expect(JSON.parse(String(pushed.searches[0].filter))).toEqual({ op: '<', args: [{ property: 'gsd' }, 8.6] });
}, 30_000);

test("stac_search's own text filter reaches stac-server as CQL2 JSON (it refuses cql2-text)", async () => {
  const ran = await run(', filter: "gsd < 8.6"', []);
  const local = await run('', ['{ filter: { where: "gsd < 8.6", pushdown: false } }']);
  expect(ran.ids).toEqual(local.ids);
  expect(ran.searches[0]).toMatchObject({ filter: { op: '<', args: [{ property: 'gsd' }, 8.6] }, lang: 'cql2-json' });
  expect(ran.logs).toContain('stac_search: the API reads cql2-json only: the filter is sent as CQL2 JSON');
}, 30_000);

test('what the API does not declare stays local, with the reason in the log, and gives the same items', async () => {
  const between = await run('', ['{ filter: "gsd BETWEEN 8 AND 8.6" }']);
  expect(between.searches.every((s) => s.filter === undefined)).toBe(true);
  expect(between.logs).toContain("stac_search: filter's condition is tested here only, not sent with the search: the API does not declare CQL2 class advanced-comparison-operators");
  // The class added with conforms_to: the sandbox evaluates BETWEEN, and the items are the same.
  const added = await run(', conforms_to: [advanced-comparison-operators]', ['{ filter: "gsd BETWEEN 8 AND 8.6" }']);
  expect(added.searches[0].filter).toEqual({ op: 'between', args: [{ property: 'gsd' }, 8, 8.6] });
  expect(added.ids).toEqual(between.ids);

  const noFilterExtension = await run('', ['{ filter: "gsd < 8.6" }'], { conformsTo: TERMS.filter((t) => t !== 'item-search#filter').map((t) => `https://api.stacspec.org/v1.0.0/${t}`) });
  expect(noFilterExtension.searches.every((s) => s.filter === undefined)).toBe(true);
  expect(noFilterExtension.ids).toEqual((await run('', ['{ filter: { where: "gsd < 8.6", pushdown: false } }'])).ids);
}, 60_000);

test('no condition is offered past a step that changes entries', async () => {
  const ran = await run('', ['{ select: { g: gsd } }', '{ filter: "gsd < 8.6" }']);
  expect(ran.searches.every((s) => s.filter === undefined)).toBe(true);
  expect(ran.filterStage.counters.pushed_down).toBeUndefined();
  expect(ran.logs.some((l) => /goes with the search|tested here only/.test(l))).toBe(false);
}, 30_000);

test("a pushed condition naming a property the API's closed queryables do not list ends the run before any search, naming the step", async () => {
  const closed = await startSandbox({ itemsPerCollection: 20, s3: { enabled: false }, queryables: 'closed' });
  try {
    const dir = await tempDir('pushdown-queryables');
    const yaml = [
      'name: pushdown',
      `source: { stac_search: { api: "${closed.url}", collections: [${MONO}] } }`,
      'steps: [ { filter: "\\"view:sun_elevaton\\" > 20" } ]',
      `outputs: [ { ndjson: { path: "${path.join(dir, 'items.ndjson')}" } } ]`,
      '',
    ].join('\n');
    const { report, exitCode } = await runPipeline(parsePipeline(yaml, path.join(dir, 'p.yaml'), STAGES, {}), { log: pino({ level: 'silent' }), reportPath: path.join(dir, 'report.json') });
    expect(exitCode).toBe(1);
    expect(report.error?.code).toBe('ERR_STAC_NOT_QUERYABLE');
    expect(report.error?.message).toMatch(/filter.*view:sun_elevaton.*did you mean .*view:sun_elevation/);
    expect(closed.requests.filter((r) => r.path === '/search')).toEqual([]);
  } finally {
    await closed.close();
  }
}, 30_000);
