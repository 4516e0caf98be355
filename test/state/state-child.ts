/**
 * The child process of the state tests, run with `node --import tsx` (argv: mode, state file):
 * - `record`: begins a run and records entries `n-<i>` (i = 0, 1, …, continuing after what the file holds)
 *   in a loop, committing every 20; after each commit prints `committed <count>` (every record below that
 *   count is durable). Runs until killed.
 * - `hold`: takes the run lock, begins a run, prints the lock result as JSON, then waits until killed.
 * - `try`: tries to take the run lock, prints the result as JSON, exits.
 * - `snapshot` (under --expose-gc): records 5,000 entries, then reads them back with rest() and prints
 *   `{ count, ordered, peakMb }`: the most the heap grew over its size before the read, sampled after a
 *   full GC every 250 entries (what the read holds, not garbage waiting for a collection).
 */
import { openStateStore } from '../../src/state/store.js';
import { stateEntry } from './state-fixture.js';

const [mode, file] = process.argv.slice(2);
const store = await openStateStore(file, {
  write: { records: 20, ms: 60_000 },
  onCommit: () => {
    if (mode === 'record') process.stdout.write(`committed ${store.committed + base}\n`);
  },
});
const base = store.memory().size;
const start = { startedAt: new Date().toISOString(), fingerprint: 'child', fullRefresh: false, reconcile: false };

if (mode === 'record') {
  const run = store.beginRun(start);
  for (let i = base; ; i += 1) {
    const entry = stateEntry(i);
    store.record(run, `c/${entry.item.id}`, 'v1', entry, 'done');
    // Yield now and then, so the parent's kill lands anywhere: between commits or inside one.
    if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
} else if (mode === 'hold') {
  const result = store.acquireLock();
  store.beginRun(start);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  setInterval(() => {}, 60_000);
} else if (mode === 'snapshot') {
  const run = store.beginRun(start);
  for (let i = 0; i < 5_000; i += 1) {
    const entry = stateEntry(i);
    store.record(run, `c/${entry.item.id}`, 'v1', entry, 'done');
  }
  store.flush();
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  let count = 0;
  let ordered = true;
  let last = '';
  for (const entry of store.rest(new Set())) {
    const key = `c/${entry.item.id}`;
    if (key <= last) ordered = false;
    last = key;
    count += 1;
    if (count % 250 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    }
  }
  process.stdout.write(`${JSON.stringify({ count, ordered, peakMb: peak / 2 ** 20 })}\n`);
  store.close();
} else {
  process.stdout.write(`${JSON.stringify(store.acquireLock())}\n`);
  store.close();
}
