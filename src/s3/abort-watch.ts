/**
 * Requests watching one AbortSignal (the run's) through a single listener on it. Node's EventTarget is slow with
 * many listeners: each addEventListener walks the signal's listeners for a duplicate, so 32 labels in flight,
 * each adding and removing its own, cost ~15 µs a request (`npm run bench -- labels`, CPU profile). Here a
 * request is an entry in a Set: added and removed in O(1).
 */

export interface AbortWatcher {
  /** The watched signal aborted; `reason` is its reason as an Error. */
  signalAborted(reason: Error): void;
}

const watchers = new WeakMap<AbortSignal, Set<AbortWatcher>>();

/** Calls `watcher.signalAborted` when `signal` aborts, until `unwatchAbort`. The signal must not be aborted yet. */
export function watchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  let set = watchers.get(signal);
  if (!set) {
    const watching = new Set<AbortWatcher>();
    set = watching;
    watchers.set(signal, watching);
    signal.addEventListener('abort', () => {
      const reason = abortReason(signal);
      for (const each of watching) each.signalAborted(reason);
      watching.clear();
    }, { once: true });
  }
  set.add(watcher);
}

export function unwatchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  watchers.get(signal)?.delete(watcher);
}

/** The signal's reason when it is an error (a deadline of ours, the run's cancellation), else an AbortError. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('the request was aborted', { cause: reason }), { name: 'AbortError' });
}

/** How many requests are watching `signal` (tests, diagnostics: a finished request must leave none). */
export const watchingCount = (signal: AbortSignal): number => watchers.get(signal)?.size ?? 0;
