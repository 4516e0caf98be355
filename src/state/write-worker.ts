import { parentPort, workerData } from 'node:worker_threads';
import { ItemWriter } from './item-writer.js';
import { openWriterConnection } from './open-database.js';
import { SIGNAL, type FromWriter, type RecordMessage, type ToWriter, type WriterData } from './write-messages.js';

/**
 * The state's writer thread (started by writer-thread.ts): receives the run's item records, commits them in
 * groups (WritePolicy) on a connection of its own, and says how far it got in the shared counters (SIGNAL).
 * Stringifying an 8.7 KB item and SQLite's three statements take ~0.1–0.2 ms an item and their garbage: here
 * they leave the run's thread. A failed commit stops the writer (FAILED), the reason sent back; the run's
 * next call throws it.
 */
const { file, busyTimeoutMs, policy, signals: shared, replies } = workerData as WriterData;
const signals = new Int32Array(shared);
let queue: RecordMessage[] = [];
let timer: NodeJS.Timeout | undefined;
let failed = false;

/** Wakes a run waiting in Atomics.wait (writer-thread.ts waits on BEAT, then reads the other slots). */
function beat(): void {
  Atomics.add(signals, SIGNAL.BEAT, 1);
  Atomics.notify(signals, SIGNAL.BEAT);
}

function reply(message: FromWriter): void {
  replies.postMessage(message);
}

function fail(doing: string, err: unknown): void {
  failed = true;
  queue = [];
  const { message, code } = err as { message?: unknown; code?: unknown };
  reply({ type: 'failed', doing, message: typeof message === 'string' ? message : String(err), ...(typeof code === 'string' ? { code } : {}) });
  Atomics.store(signals, SIGNAL.FAILED, 1);
}

// A connection that cannot be opened fails the writer at once, instead of leaving the run to wait for it.
const opened = (() => {
  try {
    const db = openWriterConnection(file, busyTimeoutMs);
    return { db, writer: new ItemWriter(db) };
  } catch (err) {
    fail('open it for writing', err);
    beat();
    return undefined;
  }
})();

function commit(): void {
  clearTimeout(timer);
  timer = undefined;
  if (failed || !opened || queue.length === 0) return;
  const records = queue;
  queue = [];
  try {
    opened.writer.commit(records);
  } catch (err) {
    fail(`record ${records.length} items`, err);
    return;
  }
  Atomics.store(signals, SIGNAL.COMMITTED, records[records.length - 1]!.seq);
  reply({ type: 'committed' });
}

function handle(message: ToWriter): void {
  if (message.type === 'records') {
    if (failed) return;
    for (const record of message.records) {
      queue.push(record);
      if (queue.length >= policy.records) commit();
    }
    if (queue.length > 0) timer ??= setTimeout(() => (commit(), beat()), policy.ms);
    return;
  }
  commit();
  if (message.type === 'close') {
    clearTimeout(timer);
    opened?.db.close();
    parentPort!.close();
    replies.close();
  }
  Atomics.store(signals, SIGNAL.FLUSHED, message.id);
}

parentPort!.on('message', (message: ToWriter) => {
  try {
    handle(message);
  } catch (err) {
    fail(message.type === 'records' ? `record ${message.records.length} items` : `${message.type} the state`, err);
  } finally {
    beat();
  }
});
