import { rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { z } from 'zod';
import type { Entry, StacItem } from '../../src/entry.js';
import type { ConfiguredStage, LoadedPipeline } from '../../src/engine/pipeline.js';
import { runPipeline } from '../../src/engine/run.js';
import type { OutputStage, SourceStage } from '../../src/engine/stage.js';
import { openStateStore } from '../../src/state/store.js';
import { slotSource } from '../helpers/slot-source.js';
import { tempDir } from './state-fixture.js';

/**
 * The state's writer thread failing in a run (src/state/writer-thread.ts): its commits are refused (another
 * connection holds the file's write lock past the busy timeout), and the run ends as a run whose state cannot
 * be written ends: with the StateError naming the file (run-fatal), not done with a state that silently kept
 * nothing.
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('writer-run');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const log = pino({ level: 'silent' });
const itemOf = (i: number): StacItem => ({ type: 'Feature', id: `item-${i}`, collection: 'c', geometry: null, properties: { updated: '2026-01-01T00:00:00Z' }, assets: {} });
const rows: Entry[] = [];
const keeper: OutputStage = {
  name: 'keeper', kind: 'output', summary: '', example: '', schema: z.object({}),
  create: () => ({ mode: 'append', write: (e) => void rows.push(e), finish: async () => ({ path: 'keeper', rows: rows.length }), abort: async () => undefined }),
};
const place = <S extends SourceStage | OutputStage>(stage: S): ConfiguredStage<S> => ({ stage, options: {}, label: stage.name, location: { file: 't.yaml', line: 1, col: 1, path: stage.name } });

test('a run whose state writer cannot commit ends aborted, with the StateError naming the file', async () => {
  const file = path.join(dir, 'state.sqlite');
  const state = await openStateStore(file, { busyTimeoutMs: 20, write: { records: 4, ms: 60_000 } });
  const other = new Database(file);
  let tookLock = false;
  // The lock is taken once the run began (its own first write), so only the writer thread's commits meet it.
  const source = slotSource('items', function* () {
    for (let i = 0; i < 50; i += 1) {
      if (!tookLock) {
        other.exec('BEGIN IMMEDIATE');
        tookLock = true;
      }
      yield itemOf(i);
    }
  });
  const plan: LoadedPipeline = { file: 't.yaml', name: 't', s3: { region: 'us-west-2', anonymous: true }, source: place(source), steps: [], outputs: [place(keeper)] };
  try {
    // As any run-fatal error (DESIGN.md): the run rejects with it, and the CLI exits 1 with it.
    await expect(runPipeline(plan, { log, state, reportPath: '/dev/null' })).rejects.toMatchObject({
      code: 'ERR_STATE_IO',
      errorClass: 'fatal',
      message: expect.stringContaining(`state ${file}: cannot record 4 items: database is locked`),
    });
  } finally {
    other.exec('ROLLBACK');
    other.close();
    try {
      state.close();
    } catch {
      // (the writer's failure again)
    }
  }
});
