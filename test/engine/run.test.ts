import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { filter as rxFilter, map } from 'rxjs';
import { z } from 'zod';
import type { Entry } from '../../src/entry.js';
import { EntryError, RunAbortedError } from '../../src/errors.js';
import type { ConfiguredStage, LoadedPipeline } from '../../src/engine/pipeline.js';
import { runPipeline } from '../../src/engine/run.js';
import type { OutputStage, SourceStage, StepStage } from '../../src/engine/stage.js';
import { perEntry } from '../../src/engine/step.js';
import { numberedItems, slotSource } from '../helpers/slot-source.js';

const log = pino({ level: 'silent' });

/** A source that asks the engine for a slot before each item, as real sources do, and records the peak in flight. */
const countingSource = (n: number, seen: { maxPending: number }): SourceStage =>
  slotSource('count', () => numberedItems(n), (demand) => { seen.maxPending = Math.max(seen.maxPending, demand.pending); });

const slowStep: StepStage = {
  name: 'slow', kind: 'step', summary: '', example: '', schema: z.object({}),
  create: () => perEntry(async (e) => { await new Promise((r) => setTimeout(r, 1)); return e; }, { concurrency: 4 }),
};

const failOdd: StepStage = {
  name: 'fail_odd', kind: 'step', summary: '', example: '', schema: z.object({}),
  create: () =>
    perEntry(async (e) => {
      const n = Number(e.item.id.split('-')[1]);
      if (n % 2 === 1) throw new EntryError('ERR_ODD', `odd item ${e.item.id}`, { href: `http://x/${e.item.id}` });
      return e;
    }),
};

const dropAll: StepStage = {
  name: 'drop', kind: 'step', summary: '', example: '', schema: z.object({}),
  // Plain RxJS, no bookkeeping: the engine counts the drops and gives their flow slots back.
  create: () => rxFilter(() => false),
};

const fatalAt = (n: number): StepStage => ({
  name: 'fatal', kind: 'step', summary: '', example: '', schema: z.object({}),
  create: () => map((e: Entry) => { if (e.item.id === `item-${n}`) throw new RunAbortedError('ERR_BOOM', 'the API went away'); return e; }),
});

/** An output writing ids to a temp file, renamed on finish, removed on abort (the real writers' contract). */
const idsOutput: OutputStage = {
  name: 'ids', kind: 'output', summary: '', example: '', schema: z.object({ path: z.string() }),
  create: (options) => {
    const { path: target } = options as { path: string };
    const ids: string[] = [];
    const tmp = `${target}.tmp`;
    return {
      write: (e) => { ids.push(e.item.id); },
      finish: async () => { await writeFile(tmp, ids.join('\n')); const { rename } = await import('node:fs/promises'); await rename(tmp, target); return { path: target, rows: ids.length }; },
      abort: async () => { const { rm } = await import('node:fs/promises'); await rm(tmp, { force: true }); },
    };
  },
};

function plan(dir: string, source: SourceStage, steps: StepStage[], withOutput = true): LoadedPipeline {
  const place = <S extends SourceStage | StepStage | OutputStage>(stage: S, options: unknown = {}, label = stage.name): ConfiguredStage<S> => ({
    stage, options, label, location: { file: 'test.yaml', line: 1, col: 1, path: label },
  });
  return {
    file: 'test.yaml', name: 't', s3: { region: 'us-west-2', anonymous: true },
    source: place(source),
    steps: steps.map((s) => place(s)),
    outputs: withOutput ? [place(idsOutput, { path: path.join(dir, 'ids.txt') })] : [],
  };
}

let dir: string;
beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'stacflow-run-')); });

test('every item reaches the output and the report says done (exit 0)', async () => {
  const seen = { maxPending: 0 };
  const result = await runPipeline(plan(dir, countingSource(500, seen), [slowStep]), { log, highWater: 32 });
  expect(result.exitCode).toBe(0);
  expect((await readFile(path.join(dir, 'ids.txt'), 'utf8')).split('\n')).toHaveLength(500);
  expect(result.report.status).toBe('done');
  expect(result.report.items).toEqual({ total: 500, failed: 0, written: 500 });
  expect(result.reportPath).toBe(path.join(dir, 't.report.json'));
  expect(JSON.parse(await readFile(result.reportPath, 'utf8')).stages.map((s: { label: string }) => s.label)).toEqual(['count', 'slow', 'ids']);
});

test('no more entries than the high-water mark are ever in flight', async () => {
  const seen = { maxPending: 0 };
  await runPipeline(plan(dir, countingSource(2000, seen), [slowStep]), { log, highWater: 16 });
  expect(seen.maxPending).toBeLessThanOrEqual(16);
  expect(seen.maxPending).toBeGreaterThan(1);
});

test('entries dropped by a step give their slots back (the run does not stall)', async () => {
  const seen = { maxPending: 0 };
  const result = await runPipeline(plan(dir, countingSource(100, seen), [dropAll]), { log, highWater: 4 });
  expect(result.exitCode).toBe(0);
  expect(result.report.stages.find((s) => s.label === 'drop')?.dropped).toBe(100);
  expect(await readFile(path.join(dir, 'ids.txt'), 'utf8')).toBe('');
});

test('item failures are kept on their entries, listed in the report, and give exit code 3', async () => {
  const result = await runPipeline(plan(dir, countingSource(10, { maxPending: 0 }), [failOdd]), { log });
  expect(result.exitCode).toBe(3);
  expect(result.report.status).toBe('done_with_failures');
  expect(result.report.items.failed).toBe(5);
  expect(result.report.failures[0]).toEqual({ stage: 'fail_odd', code: 'ERR_ODD', message: 'odd item item-1', href: 'http://x/item-1', item: 'item-1', collection: 'c' });
  // Failed entries still reach the outputs, so catalogs can say what failed.
  expect((await readFile(path.join(dir, 'ids.txt'), 'utf8')).split('\n')).toHaveLength(10);
});

test('a fatal error aborts the run: exit 1, outputs aborted, report still written', async () => {
  const result = await runPipeline(plan(dir, countingSource(50, { maxPending: 0 }), [fatalAt(7)]), { log });
  expect(result.exitCode).toBe(1);
  expect(result.report.status).toBe('aborted');
  expect(result.report.error).toEqual({ code: 'ERR_BOOM', message: 'the API went away' });
  expect((await readdir(dir)).sort()).toEqual(['t.report.json']);
});

test('cancelling the run (Ctrl-C) ends it as aborted with the report written', async () => {
  const controller = new AbortController();
  const seen = { maxPending: 0 };
  setTimeout(() => controller.abort('SIGINT'), 20);
  const result = await runPipeline(plan(dir, countingSource(1_000_000, seen), [slowStep]), { log, signal: controller.signal, highWater: 8 });
  expect(result.exitCode).toBe(1);
  expect(result.report.error?.code).toBe('ERR_CANCELLED');
  expect(result.report.items.total).toBeLessThan(1_000_000);
});

test('the report goes where the pipeline says, and to the working directory without outputs', async () => {
  const p = { ...plan(dir, countingSource(1, { maxPending: 0 }), [], false), report: path.join(dir, 'sub', 'r.json') };
  const result = await runPipeline(p, { log });
  expect(result.reportPath).toBe(path.join(dir, 'sub', 'r.json'));
  expect(JSON.parse(await readFile(result.reportPath, 'utf8')).items.total).toBe(1);
});

/** A step whose work waits for the run's signal, then fails as a label fetch cut by the abort would. */
const inFlightUntilAbort: StepStage = {
  name: 'in_flight', kind: 'step', summary: '', example: '', schema: z.object({}),
  create: (_o, ctx) =>
    perEntry(
      (e) =>
        new Promise<Entry>((_resolve, reject) => {
          const fail = () => reject(new EntryError('ERR_LABEL_UNREACHABLE', `label of ${e.item.id}: ${String(ctx.signal.reason)}`));
          if (ctx.signal.aborted) fail();
          else ctx.signal.addEventListener('abort', fail, { once: true });
        }),
      { concurrency: 8 },
    ),
};

test('an aborted run lists no failure for work its abort cancelled, and writes nothing (items.written 0)', async () => {
  const source = countingSource(50, { maxPending: 0 });
  const result = await runPipeline(plan(dir, source, [fatalAt(3), inFlightUntilAbort]), { log, highWater: 16 });
  // Give the cancelled work its turn to settle: it must not be recorded after the report either.
  await new Promise((r) => setTimeout(r, 20));
  expect(result.exitCode).toBe(1);
  expect(result.report.error?.code).toBe('ERR_BOOM');
  expect(result.report.failures).toEqual([]);
  expect(result.report.items.failed).toBe(0);
  expect(result.report.items.written).toBe(0);
  expect((await readdir(dir)).sort()).toEqual(['t.report.json']);
});

test('items.written counts what the output holds when the run completes', async () => {
  const result = await runPipeline(plan(dir, countingSource(7, { maxPending: 0 }), [failOdd]), { log });
  expect(result.report.items).toEqual({ total: 7, failed: 3, written: 7 });
});

test('a bug in a stage (a TypeError) ends the run: runPipeline rejects with it after writing the report, not an item failure', async () => {
  const buggy: StepStage = {
    name: 'buggy', kind: 'step', summary: '', example: '', schema: z.object({}),
    create: (_o, ctx) =>
      perEntry(async (e) => {
        if (e.item.id === 'item-2') (undefined as unknown as { x: number }).x += 1;
        return e;
      }),
  };
  await expect(runPipeline(plan(dir, countingSource(10, { maxPending: 0 }), [buggy]), { log })).rejects.toBeInstanceOf(TypeError);
  const report = JSON.parse(await readFile(path.join(dir, 't.report.json'), 'utf8'));
  expect(report).toMatchObject({ status: 'aborted', exit_code: 1, error: { code: 'ERR_BUG' } });
  expect(report.failures).toEqual([]);
  expect((await readdir(dir)).sort()).toEqual(['t.report.json']);
});
