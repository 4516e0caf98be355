import { pino } from 'pino';
import { z } from 'zod';
import type { Entry, StacItem } from '../../src/entry.js';
import { EntryError } from '../../src/errors.js';
import type { ConfiguredStage, LoadedPipeline } from '../../src/engine/pipeline.js';
import { runPipeline, type RunOptions } from '../../src/engine/run.js';
import type { IncrementalRun, OutputStage, SourceStage, StepStage } from '../../src/engine/stage.js';
import { perEntry, perEntrySync } from '../../src/engine/step.js';
import { MemoryState } from '../helpers/memory-state.js';
import { slotSource } from '../helpers/slot-source.js';

/**
 * Incremental runs (issue 12): with a state, the engine works only new, changed and failed items, carries the
 * unchanged ones past the steps to the outputs that hold the whole catalog, records each item as it ends, and
 * gives up on an item after max_attempts failed runs.
 */
const log = pino({ level: 'silent' });

/** The catalog a source serves this "night": id → updated. */
type Catalog = Map<string, string>;
const itemOf = (id: string, updated: string): StacItem => ({ type: 'Feature', id, collection: 'c', geometry: null, properties: { updated, n: Number(id.split('-')[1]) }, assets: {} });
const catalog = (n: number, updated = '2026-01-01T00:00:00Z'): Catalog => new Map(Array.from({ length: n }, (_, i) => [`item-${i}`, updated]));

/** What the steps saw, and the cursor the source was given. */
const seen = { worked: [] as string[], cursors: [] as Array<string | undefined> };
const sourceFor = (nightly: Catalog, nextCursor?: string): SourceStage => {
  const base = slotSource('nightly', () => [...nightly].map(([id, updated]) => itemOf(id, updated)));
  return {
    ...base,
    create: (options, ctx) => {
      const incremental: IncrementalRun | undefined = ctx.incremental;
      seen.cursors.push(incremental?.cursor);
      if (nextCursor) incremental?.setNextCursor(nextCursor);
      return base.create(options, ctx);
    },
  };
};

/** A step that records what it works on, failing the ids in `failing`. */
const failing = new Set<string>();
const work: StepStage = {
  name: 'work', kind: 'step', summary: '', example: '', schema: z.object({}),
  create: () =>
    perEntry(async (e) => {
      seen.worked.push(e.item.id);
      if (failing.has(e.item.id)) throw new EntryError('ERR_LABEL', `label of ${e.item.id} unreadable`, { href: `http://x/${e.item.id}.pvl` });
      return { ...e, fields: { ...e.fields, twice: Number(e.item.properties.n) * 2 } };
    }, { concurrency: 4 }),
};
/** Drops odd items (a filter). */
const evenOnly: StepStage = {
  name: 'even', kind: 'step', summary: '', example: '', schema: z.object({}),
  create: (_o, ctx) => perEntrySync((e) => (Number(e.item.properties.n) % 2 === 0 ? e : ctx.drop(e, 'odd'))),
};

/** Outputs that keep what they were given, in order: `snapshot` and `append`. */
const written: Record<string, Entry[]> = {};
/** Makes the outputs' finish throw: the run aborts after every item was written and recorded. */
let failFinish = false;
const keeper = (mode: 'snapshot' | 'append'): OutputStage => ({
  name: mode, kind: 'output', summary: '', example: '', schema: z.object({}),
  create: () => {
    const rows: Entry[] = [];
    return {
      mode,
      write: (e) => { rows.push(e); },
      finish: async () => {
        if (failFinish) throw new Error(`${mode}: disk full`);
        written[mode] = rows;
        return { path: mode, rows: rows.length };
      },
      abort: async () => undefined,
    };
  },
});

function plan(source: SourceStage, steps: StepStage[]): LoadedPipeline {
  const place = <S extends SourceStage | StepStage | OutputStage>(stage: S, label = stage.name): ConfiguredStage<S> => ({ stage, options: {}, label, location: { file: 't.yaml', line: 1, col: 1, path: label } });
  return { file: 't.yaml', name: 't', s3: { region: 'us-west-2', anonymous: true }, source: place(source), steps: steps.map((s) => place(s)), outputs: [place(keeper('snapshot')), place(keeper('append'))] };
}

async function night(state: MemoryState, nightly: Catalog, options: Partial<RunOptions> & { steps?: StepStage[]; nextCursor?: string } = {}) {
  seen.worked = [];
  const { steps = [work, evenOnly], nextCursor, ...rest } = options;
  const result = await runPipeline(plan(sourceFor(nightly, nextCursor), steps), { log, state, reportPath: '/dev/null', ...rest });
  const ids = (mode: string) => written[mode].map((e) => e.item.id).sort();
  return { ...result, worked: [...seen.worked].sort(), snapshot: ids('snapshot'), append: ids('append'), counts: result.report.state?.counts ?? {} };
}

const idsOf = (...n: number[]) => n.map((i) => `item-${i}`).sort();

beforeEach(() => {
  failing.clear();
  seen.cursors = [];
});

test('a second night with nothing changed works nothing, yet the snapshot holds the whole catalog with its fields', async () => {
  const state = new MemoryState();
  const first = await night(state, catalog(6));
  expect(first.worked).toEqual(idsOf(0, 1, 2, 3, 4, 5));
  expect(first.snapshot).toEqual(idsOf(0, 2, 4));
  expect(first.counts).toMatchObject({ new: 6, recorded_done: 3, recorded_dropped: 3 });

  const second = await night(state, catalog(6));
  expect(second.worked).toEqual([]);
  expect(second.snapshot).toEqual(idsOf(0, 2, 4));
  expect(written.snapshot.find((e) => e.item.id === 'item-4')?.fields).toEqual({ twice: 8 }); // as stored, not recomputed
  expect(second.append).toEqual([]);
  expect(second.counts).toMatchObject({ unchanged: 3, unchanged_dropped: 3 });
  expect(second.report.stages.find((s) => s.label === 'work')).toMatchObject({ in: 0, out: 0 });
  expect(second.exitCode).toBe(0);
});

test('new and changed items are worked; append outputs get only them', async () => {
  const state = new MemoryState();
  await night(state, catalog(6));
  const changed = catalog(8);
  changed.set('item-2', '2026-02-01T00:00:00Z');
  const next = await night(state, changed);
  expect(next.worked).toEqual(idsOf(2, 6, 7));
  expect(next.append).toEqual(idsOf(2, 6));
  expect(next.snapshot).toEqual(idsOf(0, 2, 4, 6));
  expect(next.counts).toMatchObject({ new: 2, changed: 1, unchanged: 2 });
});

test('a failed item is tried again each night, then given up after max_attempts, and tried again once it changes', async () => {
  const state = new MemoryState(2);
  failing.add('item-4');
  const first = await night(state, catalog(6));
  expect(first.exitCode).toBe(3);
  const second = await night(state, catalog(6));
  expect(second.worked).toEqual(idsOf(4));
  expect(second.counts).toMatchObject({ retried: 1, recorded_given_up: 1 });
  const third = await night(state, catalog(6));
  expect(third.worked).toEqual([]);
  expect(third.counts).toMatchObject({ given_up: 1 });
  expect(third.report.state?.given_up).toEqual([{ item: 'item-4', collection: 'c', failures: [expect.objectContaining({ stage: 'work', code: 'ERR_LABEL', href: 'http://x/item-4.pvl' })] }]);
  expect(third.report.warnings.map((w) => w.code)).toContain('W_GIVEN_UP');
  failing.clear();
  const changed = catalog(6);
  changed.set('item-4', '2026-03-01T00:00:00Z');
  const fourth = await night(state, changed);
  expect(fourth.worked).toEqual(idsOf(4));
  expect(fourth.snapshot).toEqual(idsOf(0, 2, 4));
});

test('the cursor: saved by a complete run, given to the next source, moved back to a failed item still to retry', async () => {
  const state = new MemoryState();
  await night(state, catalog(4), { nextCursor: '2026-01-05T00:00:00Z' });
  await night(state, new Map(), { nextCursor: '2026-01-06T00:00:00Z' });
  expect(seen.cursors).toEqual([undefined, '2026-01-05T00:00:00Z']);
  // A source that returns only what changed since the cursor: the snapshot still holds the whole catalog.
  const since = await night(state, new Map([['item-9', '2026-01-06T01:00:00Z']]), { nextCursor: '2026-01-07T00:00:00Z' });
  expect(since.snapshot).toEqual(idsOf(0, 2));
  expect(since.worked).toEqual(idsOf(9));
  failing.add('item-3');
  const failed = new Map([['item-3', '2026-01-06T12:00:00Z']]);
  await night(state, failed, { nextCursor: '2026-01-08T00:00:00Z' });
  await night(state, new Map(), { nextCursor: '2026-01-09T00:00:00Z' });
  expect(seen.cursors.at(-1)).toBe('2026-01-06T12:00:00Z');
  // --full-refresh and --reconcile search everything: no cursor.
  await night(state, catalog(1), { fullRefresh: true });
  expect(seen.cursors.at(-1)).toBeUndefined();
});

test('--reconcile marks removed what the source no longer returns; a changed pipeline works everything again', async () => {
  const state = new MemoryState();
  await night(state, catalog(6));
  const reconciled = await night(state, catalog(3), { reconcile: true });
  expect(reconciled.counts.removed).toBe(3);
  expect(reconciled.snapshot).toEqual(idsOf(0, 2));
  expect(state.items.get('c/item-4')?.status).toBe('removed');
  const changedSteps = await night(state, catalog(3), { steps: [work] });
  expect(changedSteps.worked).toEqual(idsOf(0, 1, 2));
});

test('an item returned twice in one run is worked once', async () => {
  const state = new MemoryState();
  const twice: SourceStage = slotSource('twice', () => [itemOf('item-0', 'a'), itemOf('item-0', 'a'), itemOf('item-2', 'b')]);
  const result = await runPipeline(plan(twice, [work]), { log, state, reportPath: '/dev/null' });
  expect(result.report.state?.counts).toMatchObject({ duplicates: 1, new: 2 });
  expect(written.snapshot.map((e) => e.item.id)).toEqual(['item-0', 'item-2']);
});

/** A label read (its whole work kept in the entry), counting reads per id. */
const labelReads: string[] = [];
const readLabel: StepStage = {
  name: 'label', kind: 'step', summary: '', example: '', schema: z.object({}), keepsWorkInEntry: true,
  create: () =>
    perEntry(async (e) => {
      labelReads.push(e.item.id);
      return { ...e, fields: { ...e.fields, label: { Caminfo: { Geometry: { IncidenceAngle: Number(e.item.properties.n) } } } } };
    }, { concurrency: 2 }),
};
/** A download-like step that fails the ids in `failingFetch`; it uses the label a step before read, if any. */
const failingFetch = new Set<string>();
const fetchFile: StepStage = {
  name: 'fetch', kind: 'step', summary: '', example: '', schema: z.object({}), keepsWorkInEntry: true,
  create: () =>
    perEntry(async (e) => {
      seen.worked.push(e.item.id);
      if (failingFetch.has(e.item.id)) throw new EntryError('ERR_DOWNLOAD', `image of ${e.item.id}: 503`, { href: `http://x/${e.item.id}.img` });
      const label = e.fields.label as { Caminfo: { Geometry: { IncidenceAngle: number } } } | undefined;
      return { ...e, fields: { ...e.fields, angle: label?.Caminfo.Geometry.IncidenceAngle } };
    }, { concurrency: 2 }),
};

test('each item is recorded with how far it got through each step; a retry resumes past the steps it passed (no label read again)', async () => {
  const state = new MemoryState();
  labelReads.length = 0;
  failingFetch.add('item-2');
  const first = await night(state, catalog(6), { steps: [readLabel, fetchFile, evenOnly] });
  expect(first.exitCode).toBe(3);
  expect(state.storedStages('c/item-2')).toEqual({ label: 'done', fetch: 'failed', even: 'not_reached' });
  expect(state.storedStages('c/item-1')).toEqual({ label: 'done', fetch: 'done', even: 'dropped' });
  expect(state.storedStages('c/item-4')).toEqual({ label: 'done', fetch: 'done', even: 'done' });
  expect(JSON.parse(state.items.get('c/item-1')!.entry)).toEqual({ item: { type: 'Feature', id: 'item-1', collection: 'c', geometry: null, properties: {}, assets: {} }, fields: {}, files: {}, failures: [] }); // dropped: its id only
  expect(labelReads.sort()).toEqual(idsOf(0, 1, 2, 3, 4, 5));

  failingFetch.clear();
  labelReads.length = 0;
  const second = await night(state, catalog(6), { steps: [readLabel, fetchFile, evenOnly] });
  expect(labelReads).toEqual([]); // the label item-2 read in the first run is not read again
  expect(second.worked).toEqual(idsOf(2)); // the failed step is worked again, from the stored entry
  expect(second.counts).toMatchObject({ retried: 1, resumed: 1 });
  expect(second.report.stages.find((s) => s.label === 'label')?.counters).toMatchObject({ resumed_past: 1 });
  expect(state.storedStages('c/item-2')).toEqual({ label: 'done', fetch: 'done', even: 'done' });
  expect(state.items.get('c/item-2')?.status).toBe('done');
  expect(written.snapshot.find((e) => e.item.id === 'item-2')?.fields.angle).toBe(2); // read from the label stored with the failure

  // An item failed in its first step has nothing to resume past: worked from the start.
  failingFetch.add('item-4');
  const changed = catalog(6);
  changed.set('item-4', '2026-02-01T00:00:00Z');
  await night(state, changed, { steps: [fetchFile, readLabel] });
  labelReads.length = 0;
  failingFetch.clear();
  const again = await night(state, changed, { steps: [fetchFile, readLabel] });
  expect(again.worked).toEqual(idsOf(4));
  expect(labelReads).toEqual(['item-4']);
  expect(written.snapshot.find((e) => e.item.id === 'item-4')?.fields).toMatchObject({ label: expect.anything() });
});

test('a retried item whose steps keep nothing in the entry is worked from its first step', async () => {
  const state = new MemoryState();
  failingFetch.add('item-2');
  await night(state, catalog(3), { steps: [work, fetchFile] });
  expect(state.storedStages('c/item-2')).toEqual({ work: 'done', fetch: 'failed' });
  failingFetch.clear();
  seen.worked = [];
  const retried = await night(state, catalog(3), { steps: [work, fetchFile] });
  // `work` ran again (twice in seen.worked: once for work, once for fetch) and the fields are whole.
  expect(retried.worked).toEqual(['item-2', 'item-2']);
  expect(written.append.map((e) => [e.item.id, e.fields.twice])).toEqual([['item-2', 4]]);
});

test('items a killed or aborted run recorded done reach the next run\'s append output, then never again', async () => {
  const state = new MemoryState();
  failFinish = true;
  const aborted = await night(state, catalog(4), { steps: [work] });
  failFinish = false;
  expect(aborted.exitCode).toBe(1);
  expect(aborted.report.status).toBe('aborted');
  expect([...state.items.values()].map((kept) => kept.status)).toEqual(['done', 'done', 'done', 'done']);
  expect(state.recordedSinceComplete()).toEqual(new Set(['c/item-0', 'c/item-1', 'c/item-2', 'c/item-3']));

  // The next run's source returns only item-1 (a cursor's search): the rest come from the state.
  const next = await night(state, new Map([['item-1', '2026-01-01T00:00:00Z']]), { steps: [work] });
  expect(next.worked).toEqual([]);
  expect(next.append).toEqual(idsOf(0, 1, 2, 3));
  expect(next.snapshot).toEqual(idsOf(0, 1, 2, 3));
  expect(next.counts).toMatchObject({ unchanged: 1, unpublished: 4 });
  expect(state.recordedSinceComplete()).toEqual(new Set());

  const third = await night(state, catalog(4), { steps: [work] });
  expect(third.append).toEqual([]);
  expect(third.snapshot).toEqual(idsOf(0, 1, 2, 3));
});
