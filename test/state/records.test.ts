import { rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { nextItemState } from '../../src/state/attempts.js';
import { openStateStore, type StateOptions, type StateStore } from '../../src/state/store.js';
import { END, START, eventually, stateEntry, tempDir } from './state-fixture.js';

/** Records and what is read back: the ledger, entries, attempts across runs, the snapshot, runs and the cursor. */
let dir: string;
let n = 0;
const stores: StateStore[] = [];
beforeAll(async () => {
  dir = await tempDir('records');
});
afterEach(() => stores.splice(0).forEach((s) => s.close()));
afterAll(() => rm(dir, { recursive: true, force: true }));

const fileFor = () => path.join(dir, `state-${(n += 1)}.sqlite`);
async function open(file: string, options: StateOptions = {}): Promise<StateStore> {
  const store = await openStateStore(file, options);
  stores.push(store);
  return store;
}
const failedEntry = (i: number) => stateEntry(i, { failures: [{ stage: 'fetch_label', code: 'ERR_LABEL', message: `label of n-${i} unreadable`, href: `http://x/n-${i}.pvl`, status: 503 }] });

test('a recorded entry reads back the same from memory, lookup and storedEntry, before and after a reopen', async () => {
  const file = fileFor();
  const store = await open(file);
  const run = store.beginRun(START);
  const entry = stateEntry(1);
  expect(store.record(run, 'c/n-1', 'v1', entry, 'done')).toBe('done');
  // Buffered, not yet committed: reads see it all the same.
  expect(store.lookup('c/n-1')).toEqual({ version: 'v1', status: 'done', attempts: 0 });
  expect(store.storedEntry('c/n-1')).toEqual(entry);
  store.close();
  const again = await open(file);
  expect([...again.memory()]).toEqual([['c/n-1', { version: 'v1', status: 'done', attempts: 0 }]]);
  expect(again.lookup('c/n-1')).toEqual({ version: 'v1', status: 'done', attempts: 0 });
  expect(again.storedEntry('c/n-1')).toEqual(entry);
  expect(again.storedEntry('c/n-2')).toBeUndefined();
});

test("an entry's files become asset rows, replaced when the item is recorded again", async () => {
  const file = fileFor();
  const store = await open(file);
  const run = store.beginRun(START);
  store.record(run, 'c/n-1', 'v1', stateEntry(1), 'done');
  store.flush();
  const assets = () => new Database(file, { readonly: true }).prepare('SELECT asset, path, bytes, etag, checksum, status FROM assets').all();
  expect(assets()).toEqual([{ asset: 'image', path: 'data/n-1.tif', bytes: 1001, etag: '"e1"', checksum: 'sha256:1', status: 'downloaded' }]);
  store.record(run, 'c/n-1', 'v2', stateEntry(1, { files: {} }), 'done');
  store.flush();
  expect(assets()).toEqual([]);
});

test('records are committed every `records` records, and `ms` after the first one waits', async () => {
  const file = fileFor();
  const commits: number[] = [];
  const store = await open(file, { write: { records: 3, ms: 400 }, onCommit: (count) => commits.push(count) });
  const run = store.beginRun(START);
  const committedRows = () => new Database(file, { readonly: true }).prepare('SELECT count(*) FROM items').pluck().get();
  for (let i = 0; i < 4; i += 1) store.record(run, `c/n-${i}`, 'v1', stateEntry(i), 'done');
  // The writer thread commits on its own time: the group of 3 at once, the 4th 400 ms after it came.
  await eventually(() => commits.length > 0);
  expect(commits).toEqual([3]);
  expect(committedRows()).toBe(3);
  await eventually(() => commits.length > 1);
  expect(commits).toEqual([3, 1]);
  expect(committedRows()).toBe(4);
  expect(store.committed).toBe(4);
});

test('failures count runs in a row at one version; the max_attempts-th gives up; a new version or a success starts again', async () => {
  const file = fileFor();
  const statuses: string[] = [];
  for (let night = 1; night <= 3; night += 1) {
    const store = await open(file, { maxAttempts: 3 });
    const run = store.beginRun(START);
    statuses.push(store.record(run, 'c/n-1', 'v1', failedEntry(1), 'failed'));
    store.endRun(run, { ...END, status: 'done_with_failures', exitCode: 3 });
    store.close();
  }
  expect(statuses).toEqual(['failed', 'failed', 'given_up']);
  const store = await open(file, { maxAttempts: 3 });
  expect(store.lookup('c/n-1')).toEqual({ version: 'v1', status: 'given_up', attempts: 3 });
  const run = store.beginRun(START);
  expect(store.record(run, 'c/n-1', 'v2', failedEntry(1), 'failed')).toBe('failed');
  expect(store.lookup('c/n-1')).toEqual({ version: 'v2', status: 'failed', attempts: 1 });
  expect(store.record(run, 'c/n-1', 'v2', stateEntry(1), 'done')).toBe('done');
  expect(store.lookup('c/n-1')).toEqual({ version: 'v2', status: 'done', attempts: 0 });
});

test('the attempts rule, alone', () => {
  expect(nextItemState(undefined, 'v1', 'failed', 1)).toEqual({ status: 'given_up', attempts: 1 });
  expect(nextItemState({ version: 'v1', status: 'failed', attempts: 1 }, 'v1', 'failed', 3)).toEqual({ status: 'failed', attempts: 2 });
  expect(nextItemState({ version: 'v1', status: 'done', attempts: 0 }, 'v1', 'failed', 3)).toEqual({ status: 'failed', attempts: 1 });
  expect(nextItemState({ version: 'v1', status: 'failed', attempts: 2 }, 'v1', 'dropped', 3)).toEqual({ status: 'dropped', attempts: 0 });
});

test('rest() yields the done and given-up entries not seen, in key order, never failed, dropped or removed ones', async () => {
  const store = await open(fileFor(), { maxAttempts: 1 });
  const run = store.beginRun(START);
  // Recorded out of order; keys compare as strings: n-10 < n-2.
  for (const i of [3, 10, 2, 7, 1]) store.record(run, `c/n-${i}`, 'v1', stateEntry(i), 'done');
  store.record(run, 'c/n-4', 'v1', stateEntry(4), 'dropped');
  store.record(run, 'c/n-5', 'v1', failedEntry(5), 'failed'); // given up at once (maxAttempts 1)
  expect(store.markRemoved(run, ['c/n-7', 'c/absent'])).toBe(1);
  const ids = (seen: string[]) => [...store.rest(new Set(seen))].map((e) => e.item.id);
  expect(ids([])).toEqual(['n-1', 'n-10', 'n-2', 'n-3', 'n-5']);
  expect(ids(['c/n-1', 'c/n-3'])).toEqual(['n-10', 'n-2', 'n-5']);
  expect(store.lookup('c/n-7')).toEqual({ version: 'v1', status: 'removed', attempts: 0 });
});

test('rest() reads a page at a time: records committed while it is consumed show up after its position', async () => {
  const store = await open(fileFor(), { write: { records: 10_000, ms: 60_000 } });
  const run = store.beginRun(START);
  const key = (i: number) => `c/${String(i).padStart(4, '0')}`;
  for (let i = 0; i < 600; i += 2) store.record(run, key(i), 'v1', stateEntry(i), 'done');
  const rest = store.rest(new Set());
  const first = rest.next();
  expect(first.value?.item.id).toBe('n-0');
  // An array would be complete already: a generator over pages sees what is committed meanwhile.
  for (let i = 1; i < 600; i += 2) store.record(run, key(i), 'v1', stateEntry(i), 'done');
  store.flush();
  const after = [...{ [Symbol.iterator]: () => rest }].map((e) => Number(e.item.id.slice(2)));
  expect(after.length).toBeGreaterThan(299);
  expect(after).toContain(599);
  expect(after).toEqual([...after].sort((a, b) => a - b));
});

test('runs: the cursor and fingerprint are those of the last complete run; an aborted run leaves neither', async () => {
  const file = fileFor();
  const store = await open(file);
  expect(store.last()).toEqual({ runs: 0 });
  const first = store.beginRun({ ...START, pipeline: 'kaguya-tc' });
  store.endRun(first, { ...END, cursor: '2026-12-03T02:00:00Z', counts: { done: 5 } });
  const aborted = store.beginRun({ ...START, fingerprint: 'f2' });
  store.endRun(aborted, { ...END, status: 'aborted', exitCode: 1, cursor: '2026-12-04T02:00:00Z' });
  expect(store.last()).toEqual({ fingerprint: 'f1', cursor: '2026-12-03T02:00:00Z', runs: 2 });
  const third = store.beginRun({ ...START, fingerprint: 'f2' });
  store.record(third, 'c/n-1', 'v1', failedEntry(1), 'failed');
  store.record(third, 'c/n-2', 'v1', stateEntry(2), 'done');
  store.endRun(third, { ...END, status: 'done_with_failures', exitCode: 3 });
  // A complete run without a cursor (a search that cannot filter on `updated`) keeps the earlier cursor.
  expect(store.last()).toEqual({ fingerprint: 'f2', cursor: '2026-12-03T02:00:00Z', runs: 3 });
  expect(store.cursor()).toBe('2026-12-03T02:00:00Z');
  const runs = store.recentRuns(2);
  expect(runs.map((r) => [r.id, r.status, r.exitCode, r.records, r.failedItems, r.cursorBefore, r.cursorAfter])).toEqual([
    [third, 'done_with_failures', 3, 2, 1, '2026-12-03T02:00:00Z', null],
    [aborted, 'aborted', 1, 0, 0, '2026-12-03T02:00:00Z', null],
  ]);
  expect(store.recentRuns(3)[2]).toMatchObject({ pipeline: 'kaguya-tc', counts: { done: 5 }, startedAt: START.startedAt, endedAt: END.endedAt, fullRefresh: false });
});

test('status: failed and given-up items with their failures, and the counts by status', async () => {
  const store = await open(fileFor(), { maxAttempts: 2 });
  const run = store.beginRun(START);
  store.record(run, 'c/n-1', 'v1', failedEntry(1), 'failed');
  store.record(run, 'c/n-2', 'v1', stateEntry(2), 'done');
  store.record(run, 'c/n-3', 'v1', stateEntry(3), 'dropped');
  const next = store.beginRun(START);
  store.record(next, 'c/n-1', 'v1', failedEntry(1), 'failed');
  store.record(next, 'c/n-4', 'v1', failedEntry(4), 'failed');
  expect(store.itemCounts()).toEqual({ done: 1, failed: 1, dropped: 1, given_up: 1, removed: 0 });
  expect(store.needingAttention()).toEqual([
    { key: 'c/n-1', collection: 'c', id: 'n-1', version: 'v1', status: 'given_up', attempts: 2, lastRun: next, failures: failedEntry(1).failures },
    { key: 'c/n-4', collection: 'c', id: 'n-4', version: 'v1', status: 'failed', attempts: 1, lastRun: next, failures: failedEntry(4).failures },
  ]);
});

test('a commit the timer started that fails is thrown at the next call, naming the file', async () => {
  const file = fileFor();
  const store = await open(file);
  const run = store.beginRun(START);
  const impatient = await openStateStore(file, { write: { records: 100, ms: 10 }, busyTimeoutMs: 20 });
  // Another connection holds the write lock past the busy timeout.
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  try {
    impatient.record(run, 'c/n-1', 'v1', stateEntry(1), 'done');
    // The writer thread's commit fails on its own time; the next call throws it.
    await eventually(() => {
      try {
        impatient.flush();
        return false;
      } catch {
        return true;
      }
    });
    const failure = expect.objectContaining({ code: 'ERR_STATE_IO', errorClass: 'fatal', message: expect.stringContaining(`state ${file}: cannot record 1 items: database is locked`) });
    expect(() => impatient.record(run, 'c/n-2', 'v1', stateEntry(2), 'done')).toThrow(failure);
    expect(() => impatient.close()).toThrow(failure);
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
  // The lock gone, the other store writes as before.
  store.record(run, 'c/n-3', 'v1', stateEntry(3), 'done');
  expect(store.flush()).toBe(1);
});

test('how far each item got through the steps is kept with its record, buffered and after a reopen, and shown with what needs attention', async () => {
  const file = fileFor();
  const store = await open(file);
  const run = store.beginRun(START);
  store.record(run, 'c/n-1', 'v1', failedEntry(1), 'failed', { fetch_label: 'failed', select: 'not_reached' });
  store.record(run, 'c/n-2', 'v1', stateEntry(2), 'done', { fetch_label: 'done', select: 'done' });
  store.record(run, 'c/n-3', 'v1', stateEntry(3), 'done');
  expect(store.storedStages('c/n-1')).toEqual({ fetch_label: 'failed', select: 'not_reached' }); // still buffered
  store.endRun(run, END);
  store.close();
  const again = await open(file);
  expect(again.storedStages('c/n-1')).toEqual({ fetch_label: 'failed', select: 'not_reached' });
  expect(again.storedStages('c/n-2')).toEqual({ fetch_label: 'done', select: 'done' });
  expect(again.storedStages('c/n-3')).toBeUndefined();
  expect(again.storedStages('c/n-9')).toBeUndefined();
  expect(again.needingAttention()).toEqual([expect.objectContaining({ key: 'c/n-1', stages: { fetch_label: 'failed', select: 'not_reached' } })]);
});

test('recordedSinceComplete: the items recorded by runs after the last complete one (killed, aborted), before the next run begins', async () => {
  const file = fileFor();
  const store = await open(file, { maxAttempts: 1 });
  const complete = store.beginRun(START);
  store.record(complete, 'c/n-1', 'v1', stateEntry(1), 'done');
  store.endRun(complete, END);
  expect(store.recordedSinceComplete()).toEqual(new Set());
  const aborted = store.beginRun(START);
  store.record(aborted, 'c/n-2', 'v1', stateEntry(2), 'done');
  store.record(aborted, 'c/n-3', 'v1', stateEntry(3), 'dropped');
  store.endRun(aborted, { ...END, status: 'aborted', exitCode: 1 });
  const killed = store.beginRun(START);
  store.record(killed, 'c/n-4', 'v1', failedEntry(4), 'failed'); // given up at once (maxAttempts 1)
  store.record(killed, 'c/n-5', 'v1', stateEntry(5), 'dropped'); // in no output
  store.close(); // never ended, as after a kill -9
  const next = await open(file, { maxAttempts: 1 });
  expect(next.recordedSinceComplete()).toEqual(new Set(['c/n-2', 'c/n-3', 'c/n-4', 'c/n-5']));
  const after = next.beginRun(START);
  next.endRun(after, END);
  expect(next.recordedSinceComplete()).toEqual(new Set());
});
