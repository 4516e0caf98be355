import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import type { LoadedPipeline } from '../../src/engine/pipeline.js';
import { newEntry, type StacItem } from '../../src/entry.js';
import { loadShardPlan, type DatetimePlan } from '../../src/shard/plan-file.js';
import { makeDatetimePlan } from '../../src/shard/plan-make.js';
import { instantMicros } from '../../src/shard/plan-time.js';
import { ShardUsageError, type ShardSpec } from '../../src/shard/shard-spec.js';

/**
 * Datetime plans (issue 14, point 1) against the sandbox: counted with numberMatched, cut into windows that
 * cover the whole search once, balanced on a skewed distribution; plans read back by a shard, refused when
 * they do not fit. The sandbox's items are spread evenly over the mission; the filter below makes the search
 * skewed: one collection of ten over the whole mission, all ten in its last six weeks (~half the items in 7%
 * of the time).
 */
const COLLECTIONS = Array.from({ length: 10 }, (_, i) => `sandbox_c${i}_observations`);
const SKEW_FROM = '2009-05-01T00:00:00Z';
const FILTER = { op: 'or', args: [{ op: '=', args: [{ property: 'collection' }, COLLECTIONS[0]] }, { op: '>=', args: [{ property: 'datetime' }, { timestamp: SKEW_FROM }] }] };
/** The bound the tests hold a plan's balance to (largest window over the mean); the planner aims at 1 + 1/16. */
const BALANCE_BOUND = 1.15;
const silent = pino({ level: 'silent' });

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, collections: COLLECTIONS.map((id) => ({ id, items: 300 })), s3: { enabled: false } });
  dir = await mkdtemp(path.join(tmpdir(), 'stacflow-plan-'));
});
afterAll(async () => {
  await sandbox.close();
});

function pipeline(search: Record<string, unknown> = {}, file = path.join(dir, 'skewed.yaml')): LoadedPipeline {
  const source = { api: sandbox.url, collections: COLLECTIONS, filter: FILTER, limit: 100, ...search };
  const yaml = `name: skewed\nsource: { stac_search: ${JSON.stringify(source)} }\noutputs:\n  - ndjson: { path: "-" }\n`;
  return parsePipeline(yaml, file, STAGES, {});
}

const spec = (index: number, count: number): ShardSpec => ({ index, count, from: 'flag' });

async function writePlan(plan: unknown, name = 'plan.json'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(plan, null, 2));
  return file;
}

/** The items a shard keeps: its narrowed search as the sandbox answers it, through its selection. */
async function shardItems(file: string, loaded: LoadedPipeline, index: number, count: number): Promise<{ kept: string[]; searched: number }> {
  const { pipeline: narrowed, selection } = await loadShardPlan(file, loaded, spec(index, count));
  const options = narrowed.source.options as { collections: string[]; filter: unknown; datetime?: string };
  const found = sandbox.catalog.search({ collections: options.collections, filter: options.filter, ...(options.datetime ? { datetime: options.datetime } : {}) });
  const kept = found.filter(({ collection, id }) => selection.keeps(newEntry(sandbox.catalog.item(collection, id)!)));
  return { kept: kept.map(({ collection, id }) => `${collection}/${id}`), searched: found.length };
}

describe('a plan of the skewed search', () => {
  let plan: DatetimePlan;
  let file: string;
  const whole = () => sandbox.catalog.search({ collections: COLLECTIONS, filter: FILTER }).map(({ collection, id }) => `${collection}/${id}`);

  beforeAll(async () => {
    sandbox.clearRequests();
    plan = await makeDatetimePlan(pipeline(), { shards: 4, log: silent, now: () => new Date('2024-01-02T03:04:05Z') });
    file = await writePlan(plan);
  });

  test('records the pipeline, the search, N, the windows and what the plan cost', () => {
    expect(plan).toMatchObject({ stacflow_plan: 1, strategy: 'datetime', pipeline: 'skewed', shards: 4, total: whole().length, made_at: '2024-01-02T03:04:05.000Z', converged: true });
    expect(plan.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(plan.windows.map((w) => w.index)).toEqual([0, 1, 2, 3]);
    expect(plan.windows[0].start).toBe('..');
    expect(plan.windows[3].end).toBe('..');
    for (let i = 1; i < 4; i += 1) expect(plan.windows[i].start).toBe(plan.windows[i - 1].end);
    // Every request the plan made is counted: the landing page, the collections' extents, the counts.
    expect(plan.requests).toBe(sandbox.requests.length);
    const counts = sandbox.requests.filter((r) => r.path === '/search');
    expect(counts.every((r) => (r.body as { limit?: number }).limit === 1)).toBe(true);
    expect(plan.requests).toBeLessThanOrEqual(40 + 16 * 4);
  });

  test(`windows are balanced within ${BALANCE_BOUND} of the mean, where equal time spans are not`, () => {
    const mean = plan.total / 4;
    expect(Math.max(...plan.windows.map((w) => w.expected)) / mean).toBeLessThanOrEqual(BALANCE_BOUND);
    expect(plan.balance).toBeLessThanOrEqual(BALANCE_BOUND);
    // The same span cut in four equal durations (the sandbox's mission window): the skew shows.
    const [from, to] = [instantMicros('2007-11-01T00:00:00Z')!, instantMicros('2009-06-10T00:00:00Z')!];
    const starts = whole().map((key) => instantMicros(sandbox.catalog.item(key.split('/')[0], key.split('/')[1])!.properties.datetime!)!);
    const equal = [0, 1, 2, 3].map((k) => starts.filter((t) => t >= from + ((to - from) * k) / 4 && (k === 3 || t < from + ((to - from) * (k + 1)) / 4)).length);
    expect(Math.max(...equal) / mean).toBeGreaterThan(1.8);
  });

  test('every item of the whole search is kept by exactly one shard, as many as planned', async () => {
    const shards = await Promise.all([0, 1, 2, 3].map((i) => shardItems(file, pipeline(), i, 4)));
    const all = shards.flatMap((s) => s.kept);
    expect(new Set(all).size).toBe(all.length); // disjoint
    expect([...all].sort()).toEqual([...whole()].sort()); // complete
    expect(shards.map((s) => s.kept.length)).toEqual(plan.windows.map((w) => w.expected));
    // Each shard's search is its window only: no shard reads the whole search.
    for (const s of shards) expect(s.searched).toBeLessThan(plan.total / 2);
  });

  test("a shard's search is narrowed to its window, within the configured datetime", async () => {
    const configured = pipeline({ datetime: '2008-01-01T00:00:00Z/..' });
    const dated = await makeDatetimePlan(configured, { shards: 3, log: silent });
    expect(dated.windows[0].start).toBe('2008-01-01T00:00:00Z');
    expect(dated.windows[2].end).toBe('..');
    const datedFile = await writePlan(dated, 'dated.json');
    const first = await loadShardPlan(datedFile, configured, spec(0, 3));
    expect((first.pipeline.source.options as { datetime: string }).datetime).toBe(`2008-01-01T00:00:00Z/${dated.windows[0].end}`);
    const last = await loadShardPlan(datedFile, configured, spec(2, 3));
    expect((last.pipeline.source.options as { datetime: string }).datetime).toBe(`${dated.windows[2].start}/..`);
    const kept = (await Promise.all([0, 1, 2].map((i) => shardItems(datedFile, configured, i, 3)))).flatMap((s) => s.kept);
    const expected = sandbox.catalog.search({ collections: COLLECTIONS, filter: FILTER, datetime: '2008-01-01T00:00:00Z/..' }).map(({ collection, id }) => `${collection}/${id}`);
    expect(kept.sort()).toEqual(expected.sort());
  });

  test('an item whose interval spans two windows is kept once, by the window of its start', async () => {
    const selections = await Promise.all([0, 1, 2, 3].map(async (i) => (await loadShardPlan(file, pipeline(), spec(i, 4))).selection));
    const cut = plan.windows[2].start;
    const spanning = (datetime: string | null, start: string, end: string): StacItem =>
      ({ type: 'Feature', id: 'x', collection: COLLECTIONS[0], geometry: null, properties: { datetime, start_datetime: start, end_datetime: end }, assets: {} });
    const before = new Date(new Date(cut).getTime() - 60_000).toISOString();
    const after = new Date(new Date(cut).getTime() + 60_000).toISOString();
    const keepers = (item: StacItem) => selections.map((s, i) => (s.keeps(newEntry(item)) ? i : -1)).filter((i) => i >= 0);
    expect(keepers(spanning(null, before, after))).toEqual([1]);
    // At the cut exactly: the window it starts (the later one), though both windows' searches return it.
    expect(keepers(spanning(null, cut, after))).toEqual([2]);
    expect(keepers(spanning(cut, cut, cut))).toEqual([2]);
    // No readable time at all: the first window, so that it is not lost.
    expect(keepers(spanning(null, 'whenever', 'later'))).toEqual([0]);
  });

  test('a plan for another search, or another N, is refused, naming the file and what to do', async () => {
    await expect(loadShardPlan(file, pipeline(), spec(0, 8))).rejects.toThrow(`${file}: shards: the plan splits the search into 4 windows, but this is shard 0/8`);
    await expect(loadShardPlan(file, pipeline({ bbox: [3, 4, 5, 6] }), spec(0, 4))).rejects.toThrow(/fingerprint: the plan was made for another search .* plan again: stacflow plan/);
    // Order, page size and the way datetime is written change no item: the same plan serves.
    await expect(loadShardPlan(file, pipeline({ limit: 7, method: 'GET', sortby: '-properties.datetime' }), spec(1, 4))).resolves.toBeDefined();
  });
});

describe('bad plan files', () => {
  let good: DatetimePlan;
  beforeAll(async () => {
    good = await makeDatetimePlan(pipeline(), { shards: 2, log: silent });
  });

  test.each([
    ['missing', undefined, /missing\.json: cannot read the plan file \(ENOENT\); make it with stacflow plan/],
    ['not JSON', '{"stacflow_plan": 1,', /not JSON .*; a plan file is what stacflow plan --out writes/],
    ['a field wrong', (p: DatetimePlan) => ({ ...p, windows: [p.windows[0], { ...p.windows[1], end: 'tomorrow' }] }), /: windows\[1\]\.end: expected an RFC 3339 date-time or "\.\."/],
    ['an unknown field', (p: DatetimePlan) => ({ ...p, extra: 1 }), /: \(top\): Unrecognized key.*extra/],
    ['windows not joined', (p: DatetimePlan) => ({ ...p, windows: [p.windows[0], { ...p.windows[1], start: '2001-01-01T00:00:00Z' }] }), /windows\[1\]\.start: 2001-01-01T00:00:00Z is not where windows\[0\] ends/],
    ['windows for another N', (p: DatetimePlan) => ({ ...p, windows: [p.windows[0]] }), /windows: 1 windows for shards: 2/],
  ])('%s', async (name, change, message) => {
    const file = path.join(dir, `${name.replaceAll(' ', '-')}.json`);
    if (typeof change === 'string') await writeFile(file, change);
    else if (change !== undefined) await writeFile(file, JSON.stringify(change(good)));
    const error = await loadShardPlan(change === undefined ? path.join(dir, 'missing.json') : file, pipeline(), spec(0, 2)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ShardUsageError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('searches a datetime plan refuses', () => {
  test.each([
    ['max_items', { max_items: 50 }, 'max_items is set (50): each window\'s search would stop at it'],
    ['ids', { ids: ['a', 'b'] }, 'ids names the items'],
    ['a sortby on another field', { sortby: 'id' }, 'sortby sorts on id first'],
    ['one instant', { datetime: '2008-01-01T00:00:00Z' }, 'datetime is one instant'],
  ])('%s', async (_name, search, message) => {
    await expect(makeDatetimePlan(pipeline(search), { shards: 2, log: silent })).rejects.toThrow(message);
  });

  test('more shards than items', async () => {
    const few = pipeline({ datetime: '2009-06-01T00:00:00Z/2009-06-01T12:00:00Z' });
    const matched = sandbox.catalog.search({ collections: COLLECTIONS, filter: FILTER, datetime: '2009-06-01T00:00:00Z/2009-06-01T12:00:00Z' }).length;
    await expect(makeDatetimePlan(few, { shards: matched + 1, log: silent })).rejects.toThrow(`the search matches ${matched} items, fewer than the ${matched + 1} shards asked`);
  });

  test('an API that gives no numberMatched: use hash sharding', async () => {
    const quiet = await startSandbox({ seed: 7, s3: { enabled: false } });
    try {
      quiet.addFault({ path: '/search', status: 200, body: { type: 'FeatureCollection', features: [], links: [] }, times: Infinity });
      const loaded = parsePipeline(`name: q\nsource: { stac_search: { api: "${quiet.url}" } }\noutputs: [{ ndjson: { path: "-" } }]\n`, path.join(dir, 'q.yaml'), STAGES, {});
      const error = await makeDatetimePlan(loaded, { shards: 2, log: silent }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ShardUsageError);
      expect((error as Error).message).toMatch(/gives no numberMatched \(nor context\.matched\).*use hash sharding instead \(run-pipeline FILE --shard I\/N\)/);
    } finally {
      await quiet.close();
    }
  });
});

test('the plan file on disk is what the schema reads back', async () => {
  const plan = await makeDatetimePlan(pipeline(), { shards: 3, log: silent });
  const file = await writePlan(plan, 'roundtrip.json');
  expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(plan);
  await expect(loadShardPlan(file, pipeline(), spec(2, 3))).resolves.toMatchObject({ selection: { strategy: 'datetime', plan: file, spec: { index: 2, count: 3 } } });
});
