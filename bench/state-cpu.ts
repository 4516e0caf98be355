import { WriterThread } from '../src/state/writer-thread.js';
import { StateStore } from '../src/state/store.js';

/**
 * The CPU time a process spends inside the state's own code (src/state), for `npm run bench -- incremental`:
 * the run's CPU with and without `state:` differ by this plus the garbage it leaves and the engine's share,
 * and this figure is not blurred by the other engineers' processes on the machine as the difference is.
 * Wraps the StateStore calls the engine makes, and the writer thread's flushes, on the prototypes: call once,
 * before the run opens its store. Each call counts its own time (a flush made inside a record is the commit's).
 * The CPU read is the process's: the writer thread (src/state/writer-thread.ts) commits while these run, so
 * its CPU lands in whichever call is timed then, and the rest of it in none.
 */
export interface StateCpu {
  /** CPU ms by call: record (the record's message), commit (waiting for the writer's flushes), rest (read and parse), other. */
  readonly ms: Record<'record' | 'commit' | 'rest' | 'other', number>;
}

export function measureStateCpu(): StateCpu {
  const ms = { record: 0, commit: 0, rest: 0, other: 0 };
  // Each call counts its own time: a commit made inside record() is the commit's, not the record's.
  let accounted = 0;
  const timed = <A extends unknown[], R>(bucket: keyof typeof ms, fn: (...args: A) => R) =>
    function (this: unknown, ...args: A): R {
      const start = process.cpuUsage();
      const before = accounted;
      try {
        return fn.apply(this, args);
      } finally {
        const used = process.cpuUsage(start);
        const total = (used.user + used.system) / 1000;
        ms[bucket] += total - (accounted - before);
        accounted = before + total;
      }
    };
  const store = StateStore.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['memory', 'lookup', 'storedEntry', 'storedStages', 'unpublished', 'markRemoved', 'beginRun', 'endRun', 'close']) {
    store[name] = timed('other', store[name]!);
  }
  store.record = timed('record', store.record!);
  const writer = WriterThread.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  writer.flush = timed('commit', writer.flush!);
  // rest() is a generator: its work happens in each next(), timed one by one.
  const rest = store.rest! as (seen: ReadonlySet<string>) => Generator<unknown>;
  store.rest = function (this: unknown, seen: unknown) {
    const inner = rest.call(this, seen as ReadonlySet<string>);
    const next = timed('rest', () => inner.next());
    return (function* () {
      for (let step = next(); !step.done; step = next()) yield step.value;
    })();
  };
  return { ms };
}
