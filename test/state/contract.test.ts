import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ItemOutcome, RunStateStore } from '../../src/engine/run-state.js';
import { openStateStore, type StateStore } from '../../src/state/store.js';
import { MemoryState } from '../helpers/memory-state.js';
import { stateEntry, tempDir } from './state-fixture.js';

/**
 * The SQLite store is the engine's RunStateStore (src/engine/run-state.ts) as it is, no adapter: checked by
 * the compiler below, and in meaning against the engine tests' in-memory state (test/helpers/memory-state.ts)
 * on the same seeded history of nights, reopening the file between nights.
 */
const asContract = (store: StateStore): RunStateStore => store;

let dir: string;
beforeAll(async () => {
  dir = await tempDir('contract');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A small seeded generator (mulberry32): the same history each run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('over 12 nights of random outcomes, versions, removals and aborts, the store answers as the in-memory state', async () => {
  const file = path.join(dir, 'state.sqlite');
  const next = random(12);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  const memory = new MemoryState(3);
  const keys = Array.from({ length: 40 }, (_, i) => `c/n-${i}`);
  const statuses = new Set<string>();
  for (let night = 1; night <= 12; night += 1) {
    const store = asContract(await openStateStore(file, { maxAttempts: 3, write: { records: 7, ms: 1000 } }));
    expect(store.last().cursor).toBe(memory.last().cursor);
    expect(store.last().runs).toBe(memory.last().runs);
    expect(new Map(store.memory())).toEqual(new Map(memory.memory()));
    for (const { status } of store.memory().values()) statuses.add(status);
    const start = { startedAt: `2026-12-${String(night).padStart(2, '0')}T03:00:00Z`, fingerprint: 'f1', fullRefresh: false, reconcile: false };
    const run = store.beginRun(start);
    expect(memory.beginRun(start)).toBe(run);
    for (const key of keys.filter(() => next() < 0.5)) {
      const i = Number(key.slice(4));
      const version = `v${Math.floor(night / 4) + (i % 2)}`;
      const outcome = pick<ItemOutcome>(['done', 'done', 'failed', 'failed', 'dropped']);
      const entry = stateEntry(i, { fields: { night } });
      expect(store.record(run, key, version, entry, outcome)).toBe(memory.record(run, key, version, entry, outcome));
    }
    if (next() < 0.3) {
      const gone = keys.filter(() => next() < 0.1);
      store.markRemoved(run, gone);
      memory.markRemoved(run, gone);
    }
    const seen = new Set(keys.filter(() => next() < 0.3));
    expect([...store.rest(seen)]).toEqual([...memory.rest(seen)]);
    for (const key of keys.slice(0, 5)) expect(store.storedEntry(key)).toEqual(memory.storedEntry(key));
    const end = { endedAt: `2026-12-${String(night).padStart(2, '0')}T04:00:00Z`, status: pick(['done', 'done_with_failures', 'aborted'] as const), exitCode: 0, counts: { night }, cursor: `2026-12-${String(night).padStart(2, '0')}T02:00:00Z` };
    store.endRun(run, end);
    memory.endRun(run, end);
    store.close();
  }
  const store = await openStateStore(file);
  expect(new Map(store.memory())).toEqual(new Map(memory.memory()));
  expect([...store.rest(new Set())]).toEqual([...memory.rest(new Set())]);
  // The history went through every status.
  expect(statuses).toEqual(new Set(['done', 'failed', 'dropped', 'given_up', 'removed']));
  store.close();
});
