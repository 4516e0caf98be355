import { Writable } from 'node:stream';
import { pino } from 'pino';
import { lastValueFrom, toArray } from 'rxjs';
import { stacSearch } from '../../operators/stac-search.js';
import type { Entry } from '../../src/entry.js';
import type { StageContext } from '../../src/engine/stage.js';
import { DEFAULT_INCREMENTAL, type IncrementalSettings } from '../../src/stac/incremental-window.js';
import { itemSearchSource } from '../../src/stac/item-search.js';
import { planSearch } from '../../src/stac/search-params.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { templates } from '../../sandbox/templates.js';
import { sourceOf, testContext } from '../helpers/context.js';

const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const started: Sandbox[] = [];
async function sandboxWith(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({ itemsPerCollection: 10, s3: { enabled: false }, ...options });
  started.push(sandbox);
  return sandbox;
}
afterAll(() => Promise.all(started.map((s) => s.close())));

/** A stage context of a pipeline with `state:`: the saved cursor, the cursors proposed, and the info log lines. */
function incrementalContext(cursor: string | undefined): { ctx: StageContext; proposed: string[]; lines: string[] } {
  const proposed: string[] = [];
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  }));
  const ctx: StageContext = { ...testContext('stac_search', { log }), incremental: { cursor, setNextCursor: (value) => proposed.push(value) } };
  return { ctx, proposed, lines };
}

const ids = (entries: Entry[]) => entries.map((e) => e.item.id).sort();
const searchBodies = (sandbox: Sandbox) => sandbox.requests.filter((r) => r.path === '/search' && r.method === 'POST').map((r) => r.body as Record<string, unknown>);
const UPDATED = { property: 'updated' };
/** The filter with its timestamps as instants (the CQL2 printer writes `02:55:00Z` for `02:55:00.000Z`). */
const instants = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(instants);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (typeof record.timestamp === 'string') return { timestamp: new Date(record.timestamp).toISOString() };
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, instants(v)]));
};
const CURSOR_SORT = [{ field: 'properties.updated', direction: 'asc' }, { field: 'id', direction: 'asc' }];

/** The source with a fixed clock (the window's bounds are then exact). */
function run(sandbox: Sandbox, ctx: StageContext, settings: Partial<IncrementalSettings>, options: Record<string, unknown> = {}): Promise<Entry[]> {
  const plan = planSearch({ api: sandbox.url, collections: [MONO], limit: 4, ...options });
  return lastValueFrom(itemSearchSource(plan, ctx, [], { ...DEFAULT_INCREMENTAL, ...settings }).pipe(toArray()));
}

const NOW = Date.parse('2026-12-02T03:00:00.000Z');
const at = (iso: string) => `2026-12-02T${iso}.000Z`;

describe('stac_search with the incremental cursor', () => {
  it('a first run asks for updated up to now − safety margin, sorted by updated then id, and proposes that bound', async () => {
    const sandbox = await sandboxWith();
    const now = Date.now();
    const older = await sandbox.touchItems(2, now - 30 * 60_000);
    const fresh = await sandbox.addItems(MONO, 2, now - 2 * 60_000); // inside the 10 min margin: next run's
    const { ctx, proposed, lines } = incrementalContext(undefined);
    const options = stacSearch.schema.parse({ api: sandbox.url, collections: [MONO], limit: 5, incremental: { safety_margin: '10m' } });
    const entries = await lastValueFrom(sourceOf(stacSearch, options, ctx).pipe(toArray()));

    expect(proposed).toHaveLength(1);
    const until = proposed[0];
    expect(Math.abs(Date.parse(until) - (now - 10 * 60_000))).toBeLessThan(10_000);
    const [first, ...next] = searchBodies(sandbox);
    expect(instants(first.filter)).toEqual({ op: '<=', args: [UPDATED, { timestamp: until }] });
    expect(first.sortby).toEqual(CURSOR_SORT);
    expect(next.length).toBeGreaterThan(0); // paged: the window goes with every page
    expect(ids(entries)).toHaveLength(10);
    expect(ids(entries)).toEqual(expect.arrayContaining(older.filter((o) => o.collection === MONO).map((o) => o.id)));
    for (const { id } of fresh) expect(ids(entries)).not.toContain(id);
    expect(lines.some((l) => l.includes(`asking for items updated up to ${until}`))).toBe(true);
  });

  it('a run with a cursor returns only the items changed since the cursor minus the lookback, and not those in the safety margin', async () => {
    const sandbox = await sandboxWith();
    const before = await sandbox.touchItems(3, at('01:30:00'));
    const since = await sandbox.touchItems(3, at('02:10:00'));
    await sandbox.addItems(MONO, 2, at('02:58:00'));
    const mono = (refs: Array<{ collection: string; id: string }>) => refs.filter((r) => r.collection === MONO).map((r) => r.id).sort();

    const short = incrementalContext(at('02:00:00'));
    const changed = await run(sandbox, short.ctx, { lookbackMs: 10 * 60_000, now: () => NOW });
    expect(ids(changed)).toEqual(mono(since));
    expect(instants(searchBodies(sandbox)[0].filter)).toEqual({
      op: 'and', args: [{ op: '>=', args: [UPDATED, { timestamp: at('01:50:00') }] }, { op: '<=', args: [UPDATED, { timestamp: at('02:55:00') }] }],
    });
    expect(short.proposed).toEqual([at('02:55:00')]);

    const long = incrementalContext(at('02:00:00'));
    const withLookback = await run(sandbox, long.ctx, { lookbackMs: 60 * 60_000, now: () => NOW });
    expect(ids(withLookback)).toEqual(mono([...before, ...since]));
  });

  it('the next night: a second run from the first run\'s cursor gets only what changed in between', async () => {
    const sandbox = await sandboxWith();
    const night1 = incrementalContext(undefined);
    expect(await run(sandbox, night1.ctx, { now: () => NOW })).toHaveLength(10);
    const changes = await sandbox.changeCatalog({ touch: 2, add: { [MONO]: 1 }, collection: MONO, at: NOW + 60 * 60_000 });
    const night2 = incrementalContext(night1.proposed[0]);
    const second = await run(sandbox, night2.ctx, { now: () => NOW + 24 * 3600_000 });
    expect(ids(second)).toEqual([...changes.touched, ...changes.added].map((r) => r.id).sort());
  });

  it('drops an item a shifted page repeats (same collection, id and updated), and counts it', async () => {
    const sandbox = await sandboxWith();
    await sandbox.touchItems(10, at('02:00:00'));
    const probe = incrementalContext(undefined);
    const expected = ids(await run(sandbox, probe.ctx, { now: () => NOW }));
    // Page 2 as an offset-paged server sends it after an insertion: shifted by one, page 1's last item again.
    const [body1, body2] = searchBodies(sandbox);
    const page1 = await (await fetch(`${sandbox.url}search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body1) })).json() as { features: unknown[] };
    const page2 = await (await fetch(`${sandbox.url}search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body2) })).json() as { features: unknown[] };
    sandbox.clearRequests();
    sandbox.addFault({ path: '/search', method: 'POST', skip: 1, times: 1, status: 200, body: { ...page2, features: [page1.features.at(-1), ...page2.features] } });

    const { ctx } = incrementalContext(undefined);
    const entries = await run(sandbox, ctx, { now: () => NOW });
    expect(ids(entries)).toEqual(expected);
    expect(new Set(ids(entries)).size).toBe(entries.length);
    expect(ctx.stats.stage('stac_search').counters.duplicates).toBe(1);
  });

  it('an API that cannot sort gets the full search, says so, and the cursor still moves', async () => {
    const sandbox = await sandboxWith({ conformsTo: templates().conformsTo.filter((uri) => !uri.includes('sort')) });
    const { ctx, proposed, lines } = incrementalContext(at('02:00:00'));
    const entries = await run(sandbox, ctx, { now: () => NOW });
    expect(entries).toHaveLength(10);
    const [body] = searchBodies(sandbox);
    expect(body.filter).toBeUndefined();
    expect(body.sortby).toBeUndefined();
    expect(lines.some((l) => /cannot be asked for what changed \(it does not declare the sort extension/.test(l))).toBe(true);
    expect(proposed).toEqual([at('02:55:00')]);
  });

  it('holds the cursor when max_items stopped a search, with a warning', async () => {
    const sandbox = await sandboxWith();
    const { ctx, proposed } = incrementalContext(undefined);
    const entries = await run(sandbox, ctx, { now: () => NOW }, { max_items: 3 });
    expect(entries).toHaveLength(3);
    expect(proposed).toEqual([]);
    expect(ctx.stats.warnings.map((w) => w.code)).toContain('W_CURSOR_HELD');
  });

  it('reads its options as the http: block writes durations, and refuses a wrong one at load', () => {
    const parsed = stacSearch.schema.parse({ api: 'http://127.0.0.1/', incremental: { lookback: '2h', safety_margin: 600 } });
    expect(parsed.incremental).toEqual({ lookback: 7_200_000, safety_margin: 600_000 });
    expect(stacSearch.schema.parse({ api: 'http://127.0.0.1/', incremental: {} }).incremental).toEqual({ lookback: 3_600_000, safety_margin: 300_000 });
    const wrong = stacSearch.schema.safeParse({ api: 'http://127.0.0.1/', incremental: { lookback: 'an hour' } });
    expect(wrong.success).toBe(false);
    expect(JSON.stringify(wrong.error?.issues)).toMatch(/expected a duration such as 1h/);
  });

  it('without state: (no ctx.incremental) the search goes as written', async () => {
    const sandbox = await sandboxWith();
    await sandbox.touchItems(2, at('02:00:00'));
    const ctx = testContext('stac_search');
    const entries = await lastValueFrom(itemSearchSource(planSearch({ api: sandbox.url, collections: [MONO], limit: 4 }), ctx).pipe(toArray()));
    expect(entries).toHaveLength(10);
    for (const body of searchBodies(sandbox)) {
      expect(body.filter).toBeUndefined();
      expect(body.sortby).toBeUndefined();
    }
  });
});
