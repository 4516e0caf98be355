import { getEventListeners } from 'node:events';
import { abortReason, unwatchAbort, watchAbort, watchingCount, type AbortWatcher } from '../../src/s3/abort-watch.js';

const recorder = () => {
  const reasons: Error[] = [];
  const watcher: AbortWatcher = { signalAborted: (reason) => reasons.push(reason) };
  return { watcher, reasons };
};

test('any number of watchers put one listener on the signal', () => {
  const run = new AbortController();
  const watchers = Array.from({ length: 50 }, recorder);
  for (const { watcher } of watchers) watchAbort(run.signal, watcher);
  expect(getEventListeners(run.signal, 'abort')).toHaveLength(1);
  expect(watchingCount(run.signal)).toBe(50);
});

test('the abort reaches every watcher still watching, with the signal\'s reason; an unwatched one hears nothing', () => {
  const run = new AbortController();
  const [a, b, c] = [recorder(), recorder(), recorder()];
  for (const { watcher } of [a, b, c]) watchAbort(run.signal, watcher);
  unwatchAbort(run.signal, b.watcher);
  const reason = new Error('run cancelled');
  run.abort(reason);
  expect(a.reasons).toEqual([reason]);
  expect(b.reasons).toEqual([]);
  expect(c.reasons).toEqual([reason]);
  expect(watchingCount(run.signal)).toBe(0);
});

test('a watcher that unwatches another while the abort is delivered: no error, each told at most once', () => {
  const run = new AbortController();
  const second = recorder();
  const first: AbortWatcher = { signalAborted: () => unwatchAbort(run.signal, second.watcher) };
  watchAbort(run.signal, first);
  watchAbort(run.signal, second.watcher);
  run.abort(new Error('stop'));
  expect(second.reasons).toEqual([]);
});

test('a reason that is not an Error becomes an AbortError carrying it', () => {
  const run = new AbortController();
  run.abort('user pressed Ctrl-C');
  const reason = abortReason(run.signal);
  expect(reason).toBeInstanceOf(Error);
  expect(reason.name).toBe('AbortError');
  expect(reason.cause).toBe('user pressed Ctrl-C');
});
