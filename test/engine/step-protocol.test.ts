import { defaultMaxListeners, getMaxListeners } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { filter as rxFilter, map, mergeMap, of } from 'rxjs';
import { z } from 'zod';
import { withFields, type Entry } from '../../src/entry.js';
import { EntryError } from '../../src/errors.js';
import type { ConfiguredStage, LoadedPipeline } from '../../src/engine/pipeline.js';
import { runPipeline, type RunResult } from '../../src/engine/run.js';
import type { OutputStage, SourceStage, Stage, StepStage } from '../../src/engine/stage.js';
import { perEntry, perEntrySync } from '../../src/engine/step.js';
import { numberedItems, slotSource } from '../helpers/slot-source.js';

/**
 * The entry protocol is the engine's, whatever a stage is made of: a new stage written with plain RxJS, or
 * with perEntrySync / perEntry, is counted, gets no failed entries, and cannot stall the run by dropping.
 */
const log = pino({ level: 'silent' });
const numbers = (n: number): SourceStage => slotSource('numbers', () => numberedItems(n));

const step = (name: string, create: StepStage['create']): StepStage => ({ name, kind: 'step', summary: '', example: '', schema: z.object({}), create });

const collected: OutputStage = {
  name: 'ids', kind: 'output', summary: '', example: '', schema: z.object({ path: z.string() }),
  create: (options) => {
    const ids: string[] = [];
    return {
      write: (e) => { ids.push(`${e.item.id}${e.failures.length ? '!' : ''}`); },
      finish: async () => {
        const { writeFile } = await import('node:fs/promises');
        await writeFile((options as { path: string }).path, ids.join('\n'));
        return { path: (options as { path: string }).path, rows: ids.length };
      },
      abort: async () => undefined,
    };
  },
};

async function run(n: number, steps: StepStage[], highWater: number): Promise<{ result: RunResult; ids: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-protocol-'));
  const place = <S extends Stage>(stage: S, options: unknown = {}): ConfiguredStage<S> => ({
    stage, options, label: stage.name, location: { file: 'protocol.yaml', line: 1, col: 1, path: stage.name },
  });
  const plan: LoadedPipeline = {
    file: 'protocol.yaml', name: 'protocol', s3: { region: 'us-west-2', anonymous: true },
    source: place(numbers(n)), steps: steps.map((s) => place(s)), outputs: [place(collected, { path: path.join(dir, 'ids.txt') })],
  };
  // A stall would hang forever: bounded here, so it fails the test instead.
  const result = await Promise.race([
    runPipeline(plan, { log, highWater }),
    new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('the run stalled')), 15_000).unref()),
  ]);
  const text = await readFile(path.join(dir, 'ids.txt'), 'utf8');
  return { result, ids: text === '' ? [] : text.split('\n') };
}

const stageCounts = (result: RunResult, label: string) => {
  const { in: entered, out, failed, dropped } = result.report.stages.find((s) => s.label === label)!;
  return { in: entered, out, failed, dropped };
};

test('a new stage that filters with plain RxJS cannot stall the run: 10,000 entries through 8 slots, 9,990 dropped', async () => {
  const everyThousandth = step('every_thousandth', () => rxFilter((e: Entry) => Number(e.item.properties.n) % 1000 === 0));
  const { result, ids } = await run(10_000, [everyThousandth], 8);
  expect(result.exitCode).toBe(0);
  expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i * 1000}`));
  expect(stageCounts(result, 'every_thousandth')).toEqual({ in: 10_000, out: 10, failed: 0, dropped: 9_990 });
});

test('a plain RxJS stage that throws fails that entry only; one that emits two entries for one is counted and flows', async () => {
  const picky = step('picky', () => map((e: Entry) => {
    if (e.item.id === 'item-3') throw new EntryError('ERR_PICKY', `no ${e.item.id}`);
    return e;
  }));
  const twice = step('twice', () => mergeMap((e: Entry) => (e.item.id === 'item-1' ? of(e, withFields(e, { copy: true })) : of(e))));
  const { result, ids } = await run(5, [picky, twice], 2);
  expect(result.exitCode).toBe(3);
  expect(ids).toEqual(['item-0', 'item-1', 'item-1', 'item-2', 'item-3!', 'item-4']);
  expect(stageCounts(result, 'picky')).toEqual({ in: 5, out: 4, failed: 1, dropped: 0 });
  // The failed entry passes `twice` without its operator seeing it.
  expect(stageCounts(result, 'twice')).toEqual({ in: 5, out: 6, failed: 0, dropped: 0 });
  expect(result.report.failures).toEqual([{ stage: 'picky', code: 'ERR_PICKY', message: 'no item-3', item: 'item-3', collection: 'c' }]);
});

test('perEntrySync drops by returning ctx.drop(...) and perEntry by resolving undefined: slots come back, no stall', async () => {
  const odd = step('odd', (_o, ctx) => perEntrySync((e) => (Number(e.item.properties.n) % 2 === 1 ? e : ctx.drop(e, 'even'))));
  const notFive = step('not_five', () => perEntry(async (e) => (e.item.id.endsWith('5') ? undefined : e), { concurrency: 3 }));
  const { result, ids } = await run(2_000, [odd, notFive], 4);
  expect(result.exitCode).toBe(0);
  expect(ids).toHaveLength(800);
  expect(ids.every((id) => Number(id.split('-')[1]) % 2 === 1 && !id.endsWith('5'))).toBe(true);
  expect(stageCounts(result, 'odd')).toEqual({ in: 2_000, out: 1_000, failed: 0, dropped: 1_000 });
  expect(stageCounts(result, 'not_five')).toEqual({ in: 1_000, out: 800, failed: 0, dropped: 200 });
});

test('failedEntries: "drop" drops entries that failed earlier (and those failing in the stage); the default passes them on untouched', async () => {
  const failThirds = step('fail_thirds', () => perEntrySync((e) => {
    if (Number(e.item.properties.n) % 3 === 0) throw new EntryError('ERR_THIRD', 'a third');
    return e;
  }));
  const seen: string[] = [];
  const watcher = step('watcher', () => perEntrySync((e) => { seen.push(e.item.id); return e; }));
  const dropFailed = step('drop_failed', () => perEntrySync((e) => e, { failedEntries: 'drop' }));
  const { result, ids } = await run(9, [failThirds, watcher, dropFailed], 2);
  expect(seen).toEqual(['item-1', 'item-2', 'item-4', 'item-5', 'item-7', 'item-8']);
  expect(stageCounts(result, 'watcher')).toEqual({ in: 9, out: 9, failed: 0, dropped: 0 });
  expect(ids).toEqual(['item-1', 'item-2', 'item-4', 'item-5', 'item-7', 'item-8']);
  expect(stageCounts(result, 'drop_failed')).toEqual({ in: 9, out: 6, failed: 0, dropped: 3 });
});

test('the engine raises the run signal\'s listener limit by what each I/O step may hold at once', async () => {
  const limits: number[] = [];
  const listens = (name: string, options: { concurrency: number; signalListeners?: number }) =>
    step(name, (_o, ctx) => perEntry(async (e) => { limits.push(getMaxListeners(ctx.signal)); return e; }, options));
  const { result } = await run(3, [listens('a', { concurrency: 64 }), listens('b', { concurrency: 2, signalListeners: 100 })], 8);
  expect(result.exitCode).toBe(0);
  // Node's default (10), plus 2 a concurrent entry for `a` (128), plus what `b` declares (100).
  expect(new Set(limits)).toEqual(new Set([defaultMaxListeners + 128 + 100]));
});
