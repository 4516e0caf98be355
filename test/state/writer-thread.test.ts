import { rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Entry } from '../../src/entry.js';
import { openStateStore, type StateOptions, type StateStore } from '../../src/state/store.js';
import { END, START, stateEntry, tempDir } from './state-fixture.js';

/**
 * The state's writes on their own thread (src/state/writer-thread.ts, write-worker.ts): the run posts a
 * record and goes on; reads still see every record made before them, flush and close wait for the commits,
 * what waits uncommitted is bounded, and a failure on the writer's side is thrown on the run's side.
 */
let dir: string;
let n = 0;
const stores: StateStore[] = [];
beforeAll(async () => {
  dir = await tempDir('writer');
});
afterEach(() =>
  stores.splice(0).forEach((s) => {
    try {
      s.close();
    } catch {
      // (a test that made the writer fail already checked what close throws)
    }
  }),
);
afterAll(() => rm(dir, { recursive: true, force: true }));

const fileFor = () => path.join(dir, `state-${(n += 1)}.sqlite`);
async function open(file: string, options: StateOptions = {}): Promise<StateStore> {
  const store = await openStateStore(file, options);
  stores.push(store);
  return store;
}
/** What another connection sees in the file: committed rows only. */
const committedKeys = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT key FROM items ORDER BY key').pluck().all() as string[];
  } finally {
    db.close();
  }
};
const entryWith = (i: number, night: number): Entry => stateEntry(i, { fields: { n: i, night } });

test('reads see the last record of an item before it is committed, and the file holds the last one after', async () => {
  const file = fileFor();
  const store = await open(file, { write: { records: 1000, ms: 60_000 } });
  const run = store.beginRun(START);
  for (let night = 1; night <= 3; night += 1) store.record(run, 'c/n-1', `v${night}`, entryWith(1, night), 'done', { fetch_label: 'done' });
  store.record(run, 'c/n-1', 'v4', entryWith(1, 4), 'failed', { fetch_label: 'failed' });
  // Nothing committed yet (a group is 1,000 records, or a minute): the reads answer from the records made.
  expect(committedKeys(file)).toEqual([]);
  expect(store.lookup('c/n-1')).toEqual({ version: 'v4', status: 'failed', attempts: 1 });
  expect(store.storedEntry('c/n-1')).toEqual(entryWith(1, 4));
  expect(store.storedStages('c/n-1')).toEqual({ fetch_label: 'failed' });
  // A second failure counts from the record not yet committed.
  expect(store.record(run, 'c/n-1', 'v4', entryWith(1, 5), 'failed')).toBe('failed');
  expect(store.lookup('c/n-1')).toEqual({ version: 'v4', status: 'failed', attempts: 2 });
  expect(store.flush()).toBe(5);
  expect(committedKeys(file)).toEqual(['c/n-1']);
  expect(store.lookup('c/n-1')).toEqual({ version: 'v4', status: 'failed', attempts: 2 });
  expect(store.storedEntry('c/n-1')).toEqual(entryWith(1, 5));
  expect(store.storedStages('c/n-1')).toBeUndefined();
});

test('the entry read back before the commit is a copy: changing it changes neither the record nor the file', async () => {
  const file = fileFor();
  const store = await open(file, { write: { records: 1000, ms: 60_000 } });
  const run = store.beginRun(START);
  store.record(run, 'c/n-1', 'v1', stateEntry(1), 'done');
  const read = store.storedEntry('c/n-1') as { fields: Record<string, unknown> };
  read.fields.n = 'changed';
  expect(store.storedEntry('c/n-1')).toEqual(stateEntry(1));
  store.flush();
  expect(store.storedEntry('c/n-1')).toEqual(stateEntry(1));
});

test('flush waits until every record made is in the file; memory(), rest() and endRun() flush first', async () => {
  const file = fileFor();
  const store = await open(file, { write: { records: 1000, ms: 60_000 } });
  const run = store.beginRun(START);
  for (let i = 0; i < 10; i += 1) store.record(run, `c/n-${i}`, 'v1', stateEntry(i), 'done');
  expect(store.flush()).toBe(10);
  expect(committedKeys(file)).toHaveLength(10);
  expect(store.flush()).toBe(0);
  store.record(run, 'c/n-10', 'v1', stateEntry(10), 'done');
  expect(store.memory().size).toBe(11);
  store.record(run, 'c/n-11', 'v1', stateEntry(11), 'done');
  expect([...store.rest(new Set())].map((e) => e.item.id)).toHaveLength(12);
  store.record(run, 'c/n-12', 'v1', stateEntry(12), 'dropped');
  store.endRun(run, END);
  expect(committedKeys(file)).toHaveLength(13);
  expect(store.recentRuns(1)[0]).toMatchObject({ records: 13 });
});

test('close commits what is left and ends the writer; the file reopens with every record; close again does nothing', async () => {
  const file = fileFor();
  const store = await openStateStore(file, { write: { records: 1000, ms: 60_000 } });
  const run = store.beginRun(START);
  for (let i = 0; i < 300; i += 1) store.record(run, `c/n-${i}`, 'v1', stateEntry(i), i % 3 === 0 ? 'dropped' : 'done');
  store.close();
  store.close();
  expect(() => store.record(run, 'c/n-300', 'v1', stateEntry(300), 'done')).toThrow();
  const again = await open(file);
  expect(again.memory().size).toBe(300);
  expect(again.itemCounts()).toMatchObject({ done: 200, dropped: 100 });
  expect(again.storedEntry('c/n-299')).toEqual(stateEntry(299));
});

test('a store that records nothing starts no writer thread, and closes at once', async () => {
  const file = fileFor();
  const store = await openStateStore(file);
  const run = store.beginRun(START);
  expect(store.flush()).toBe(0);
  store.endRun(run, END);
  store.close();
  expect((await open(file)).recentRuns(1)[0]).toMatchObject({ status: 'done', records: 0 });
});

test('a run faster than its writer waits for it: at most two groups are ever uncommitted', async () => {
  const file = fileFor();
  const store = await open(file, { write: { records: 16, ms: 60_000 } });
  const run = store.beginRun(START);
  let worst = 0;
  for (let i = 0; i < 400; i += 1) {
    store.record(run, `c/n-${i}`, 'v1', stateEntry(i), 'done');
    worst = Math.max(worst, i + 1 - store.committed);
  }
  expect(worst).toBeLessThanOrEqual(2 * 16);
  // The writer was behind at some point (else nothing here was tested): it commits groups of 16.
  expect(worst).toBeGreaterThan(0);
  store.flush();
  expect(committedKeys(file)).toHaveLength(400);
});

test('the writer failing (here: an item its JSON cannot hold) is thrown by the next call, naming the file; the run lock is still released', async () => {
  const file = fileFor();
  const store = await open(file, { write: { records: 1000, ms: 60_000 } });
  expect(store.acquireLock()).toMatchObject({ acquired: true });
  const run = store.beginRun(START);
  store.record(run, 'c/n-1', 'v1', stateEntry(1), 'done');
  const bad = stateEntry(2);
  store.record(run, 'c/n-2', 'v1', { ...bad, item: { ...bad.item, properties: { big: 10n } } }, 'done');
  const failure = expect.objectContaining({
    code: 'ERR_STATE_IO',
    errorClass: 'fatal',
    message: expect.stringMatching(new RegExp(`^state ${file}: cannot record 2 items: .*BigInt`)),
  });
  expect(() => store.flush()).toThrow(failure);
  expect(() => store.record(run, 'c/n-3', 'v1', stateEntry(3), 'done')).toThrow(failure);
  expect(() => store.close()).toThrow(failure);
  // Nothing of the failed group was committed; the lock is free for the next run.
  expect(committedKeys(file)).toEqual([]);
  const next = await open(file);
  expect(next.acquireLock()).toMatchObject({ acquired: true });
});

test('a commit refused by the disk (the file locked past the busy timeout) is thrown by the next call', async () => {
  const file = fileFor();
  const store = await open(file, { write: { records: 1, ms: 60_000 }, busyTimeoutMs: 20 });
  const run = store.beginRun(START);
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  try {
    store.record(run, 'c/n-1', 'v1', stateEntry(1), 'done');
    expect(() => store.flush()).toThrow(expect.objectContaining({ code: 'ERR_STATE_IO', message: expect.stringContaining(`state ${file}: cannot record 1 items: database is locked`) }));
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
});

test('a writer that cannot open the file fails at once, the run not left waiting for it', async () => {
  const file = fileFor();
  const store = await open(file);
  const run = store.beginRun(START);
  // The run's own connection keeps the file it opened; the writer thread, started by the first record, finds none.
  await rm(file);
  store.record(run, 'c/n-1', 'v1', stateEntry(1), 'done');
  // At once: a writer silent for 30 s (SILENCE_MS) would outlast this test's timeout.
  expect(() => store.flush()).toThrow(expect.objectContaining({ code: 'ERR_STATE_IO', message: expect.stringContaining(`state ${file}: cannot open it for writing: `) }));
}, 15_000);
