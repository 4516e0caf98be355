import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { csv, csvOptions } from '../../operators/csv.js';
import { ndjson } from '../../operators/ndjson.js';
import type { StacItem } from '../../src/entry.js';
import type { ConfiguredStage, LoadedPipeline } from '../../src/engine/pipeline.js';
import { runPipeline } from '../../src/engine/run.js';
import type { OutputStage, SourceStage } from '../../src/engine/stage.js';
import { MemoryState } from '../helpers/memory-state.js';
import { slotSource } from '../helpers/slot-source.js';

/**
 * Snapshot outputs kept as they are (issue 12): a run that changed nothing leaves the file the last complete
 * run wrote in place (not rebuilt from the state), and anything that could make it differ rebuilds it: an item
 * changed, the file touched, the output's options changed, a killed or aborted run that recorded items.
 */
const log = pino({ level: 'silent' });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stacflow-kept-outputs-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const itemOf = (i: number, updated: string): StacItem => ({ type: 'Feature', id: `item-${i}`, collection: 'c', geometry: null, properties: { updated, n: i }, assets: {} });
const night = (catalog: Map<number, string>) => slotSource('nightly', () => [...catalog].map(([i, updated]) => itemOf(i, updated)));

function plan(source: SourceStage, file: string, columns: string[]): LoadedPipeline {
  const place = <S extends SourceStage | OutputStage>(stage: S, options: unknown, label = stage.name): ConfiguredStage<S> => ({ stage, options, label, location: { file: 't.yaml', line: 1, col: 1, path: label } });
  const csvOptionsGiven = csvOptions.parse({ path: file, columns });
  return {
    file: 't.yaml', name: 't', s3: { region: 'us-west-2', anonymous: true },
    source: place(source, {}),
    steps: [],
    outputs: [place(csv as OutputStage, csvOptionsGiven), place(ndjson as OutputStage, { path: `${file}.new.ndjson`, include_failed: true, mode: 'append' })],
  };
}

async function run(state: MemoryState, catalog: Map<number, string>, file: string, columns = ['id', 'updated']) {
  const result = await runPipeline(plan(night(catalog), file, columns), { log, state, reportPath: '/dev/null' });
  return { ...result, counts: result.report.state?.counts ?? {}, file: await stat(file), text: await readFile(file, 'utf8') };
}

const catalogOf = (n: number) => new Map(Array.from({ length: n }, (_, i) => [i, '2026-01-01T00:00:00Z']));

test('an unchanged night keeps the snapshot file in place; a changed item, a touched file or other options rebuild it', async () => {
  const file = path.join(dir, 'nightly.csv');
  const state = new MemoryState();
  const first = await run(state, catalogOf(5), file);
  expect(first.exitCode).toBe(0);
  expect(first.text.trim().split('\n')).toHaveLength(6);

  const unchanged = await run(state, catalogOf(5), file);
  expect(unchanged.report.outputs.csv).toEqual({ path: file, rows: 5, unchanged: true });
  expect(unchanged.counts).toMatchObject({ unchanged: 5, outputs_kept: 1 });
  expect(unchanged.counts.rest).toBeUndefined(); // nothing read back from the state
  expect([unchanged.file.ino, unchanged.file.mtimeMs]).toEqual([first.file.ino, first.file.mtimeMs]);
  expect(unchanged.text).toBe(first.text);

  // Someone edited the file: it is rebuilt, as it was.
  await writeFile(file, 'edited\n');
  const edited = await run(state, catalogOf(5), file);
  expect(edited.report.outputs.csv).toEqual({ path: file, rows: 5 });
  expect(edited.text).toBe(first.text);
  expect(edited.counts.outputs_kept).toBeUndefined();

  // Same size, another mtime: rebuilt too.
  await utimes(file, new Date(), new Date(Date.now() - 60_000));
  expect((await run(state, catalogOf(5), file)).counts.outputs_kept).toBeUndefined();
  expect((await run(state, catalogOf(5), file)).counts.outputs_kept).toBe(1);

  // A changed item: rebuilt with it.
  const changed = catalogOf(5);
  changed.set(2, '2026-02-01T00:00:00Z');
  const withChange = await run(state, changed, file);
  expect(withChange.counts).toMatchObject({ changed: 1 });
  expect(withChange.counts.outputs_kept).toBeUndefined();
  expect(withChange.text).toContain('2026-02-01T00:00:00Z');

  // Other columns: rebuilt.
  const narrower = await run(state, changed, file, ['id']);
  expect(narrower.counts.outputs_kept).toBeUndefined();
  expect(narrower.text.trim().split('\n')).toEqual(['id,failed', 'item-0,', 'item-1,', 'item-2,', 'item-3,', 'item-4,']);
});

test('after a run that recorded items and never completed, the next unchanged run rebuilds the snapshot', async () => {
  const file = path.join(dir, 'killed.csv');
  const state = new MemoryState();
  await run(state, catalogOf(3), file);
  // A run that recorded an item and was then cut (never ended): its record is not in the file in place.
  const killed = state.beginRun({ startedAt: '2026-01-02T00:00:00Z', fingerprint: state.runs[0].fingerprint, fullRefresh: false, reconcile: false });
  const gone = catalogOf(4);
  state.record(killed, 'c/item-3', '2026-01-01T00:00:00Z', { item: itemOf(3, '2026-01-01T00:00:00Z'), fields: {}, files: {}, failures: [] }, 'done');
  const after = await run(state, gone, file);
  expect(after.counts.outputs_kept).toBeUndefined();
  expect(after.text).toContain('item-3');
  expect((await run(state, gone, file)).counts.outputs_kept).toBe(1);
});
