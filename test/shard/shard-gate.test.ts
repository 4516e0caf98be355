import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import type { ConfiguredStage, LoadedPipeline } from '../../src/engine/pipeline.js';
import { runPipeline } from '../../src/engine/run.js';
import type { OutputStage, SourceStage, StepStage } from '../../src/engine/stage.js';
import { hashSelection } from '../../src/shard/selection.js';
import { shardOfItem } from '../../src/shard/shard-spec.js';
import { numberedItems, slotSource } from '../helpers/slot-source.js';
import { MemoryState } from '../helpers/memory-state.js';

/**
 * The shard's choice in the engine (src/shard/shard-gate.ts): right after the source, other shards' entries
 * give their flow slot back at once (a run with 4 slots over 2,000 items does not stall), are counted under
 * the `shard` pseudo-stage and not as any stage's drops, and never reach the state.
 */
const log = pino({ level: 'silent' });

const passStep: StepStage = { name: 'pass', kind: 'step', summary: '', example: '', schema: z.object({}), create: () => ({ mode: 'sync', work: (e) => e }) };

const idsOutput: OutputStage = {
  name: 'ids', kind: 'output', summary: '', example: '', schema: z.object({ path: z.string() }),
  create: (options) => {
    const { path: target } = options as { path: string };
    const ids: string[] = [];
    return {
      write: (e) => { ids.push(e.item.id); },
      finish: async () => { const { writeFile } = await import('node:fs/promises'); await writeFile(target, ids.join('\n')); return { path: target, rows: ids.length }; },
      abort: async () => undefined,
    };
  },
};

function pipeline(dir: string, source: SourceStage): LoadedPipeline {
  const place = <S extends SourceStage | StepStage | OutputStage>(stage: S, options: unknown = {}): ConfiguredStage<S> => ({ stage, options, label: stage.name, location: { file: 't.yaml', line: 1, col: 1, path: stage.name } });
  return { file: 't.yaml', name: 't', s3: { region: 'us-west-2', anonymous: true }, source: place(source), steps: [place(passStep)], outputs: [place(idsOutput, { path: path.join(dir, 'ids.txt') })] };
}

test("other shards' entries free their slot: 2,000 items through 4 slots, counted apart from any stage's drops", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-shard-gate-'));
  const spec = { index: 1, count: 4, from: 'flag' as const };
  const result = await runPipeline(pipeline(dir, slotSource('count', () => numberedItems(2_000))), { log, highWater: 4, shard: hashSelection(spec), reportPath: path.join(dir, 'r.json') });
  const mine = [...numberedItems(2_000)].filter((item) => shardOfItem(item.collection, item.id, 4) === 1).map((item) => item.id);
  expect(result.exitCode).toBe(0);
  expect((await readFile(path.join(dir, 'ids.txt'), 'utf8')).split('\n')).toEqual(mine);
  const { report } = result;
  expect(report.shard).toEqual({ index: 1, count: 4, from: 'flag', strategy: 'hash', tag: 'shard-0001-of-0004', keeps: 'items whose SHA-256(collection/id) mod 4 is 1', searched: 2_000, this_shard: mine.length, other_shards: 2_000 - mine.length });
  expect(report.items).toEqual({ total: mine.length, failed: 0, written: mine.length, searched: 2_000 });
  expect(report.stages.map((s) => [s.label, s.in, s.out, s.dropped])).toEqual([
    ['count', 0, 2_000, 0],
    ['shard', 2_000, mine.length, 0],
    ['pass', mine.length, mine.length, 0],
    ['ids', mine.length, mine.length, 0],
  ]);
});

test("the state records this shard's items only, and --reconcile removes none of the others'", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-shard-gate-'));
  const state = new MemoryState();
  const shard = hashSelection({ index: 0, count: 2, from: 'flag' });
  const mine = [...numberedItems(200)].filter((item) => shardOfItem(item.collection, item.id, 2) === 0).map((item) => `${item.collection}/${item.id}`);
  for (const reconcile of [false, true]) {
    const result = await runPipeline(pipeline(dir, slotSource('count', () => numberedItems(200))), { log, state, reconcile, shard });
    expect(result.exitCode).toBe(0);
    expect([...state.items.keys()].sort()).toEqual([...mine].sort());
    expect([...state.items.values()].every((item) => item.status === 'done')).toBe(true);
  }
});
