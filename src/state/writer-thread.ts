import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { Entry } from '../entry.js';
import { itemSourceText } from '../util/item-source.js';
import { startModuleWorker } from '../util/module-worker.js';
import { StateError, stateIoError } from './errors.js';
import type { WritePolicy } from './write-messages.js';
import type { ItemStatus, StageStatuses } from './types.js';
import { SIGNAL, SIGNAL_SLOTS, type FromWriter, type RecordMessage, type ToWriter, type WriterData } from './write-messages.js';

/** One record the run made, not yet known committed: what reads of its item answer until it is. */
export interface PendingRecord {
  readonly runId: number;
  readonly key: string;
  readonly version: string;
  readonly status: ItemStatus;
  readonly attempts: number;
  readonly stages: StageStatuses | undefined;
  /** The entry as recorded (never mutated: src/entry.ts). */
  readonly entry: Entry;
}

const POST_BATCH = 64;

/**
 * The writer's young generation as small as the run's (src/runtime-flags.ts: --max-semi-space-size=4, which a
 * thread cannot be given as a flag): its garbage (each item's text and entry JSON, ~17 KB a record) dies
 * young, and V8's default (up to 16 MB semi-spaces) would only grow the process's RSS.
 */
const WRITER_HEAP = { maxYoungGenerationSizeMb: 12 } as const;

/** How long a run waits on a writer that shows no sign of life (no message handled, no commit) before giving up on it. */
const SILENCE_MS = 30_000;

/**
 * The run's side of the state's writer thread (write-worker.ts). `add` posts a record and returns at once;
 * the thread commits in groups (WritePolicy). Until a record is known committed it stays here, and reads of
 * its item answer from it (`pending`), so every read sees every record made before it; `flush` waits (a
 * blocking Atomics.wait: the engine's contract is synchronous) until the thread committed all of them.
 *
 * At most two groups wait uncommitted: a run faster than its writer waits for it in `add` (what a kill -9
 * loses stays bounded). A failed commit, or a thread that died, is thrown by the next call, as a StateError
 * naming the file.
 */
export class WriterThread {
  /** Started by the first record: a run that records nothing (nothing changed) never pays for it. */
  #thread: { readonly worker: Worker; readonly replies: MessagePort } | undefined;
  readonly #signals = new Int32Array(new SharedArrayBuffer(SIGNAL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  readonly #pending = new Map<string, PendingRecord & { readonly seq: number }>();
  /** [key, seq] in the order recorded; `#head` is the first not known committed. */
  #order: Array<readonly [string, number]> = [];
  #head = 0;
  #seq = 0;
  /** Records made, not yet posted: posted together, at POST_BATCH or once the run's current task is done. */
  #batch: RecordMessage[] = [];
  #sending: NodeJS.Immediate | undefined;
  /** The highest seq known committed. */
  #known = 0;
  #flushes = 0;
  #failure: StateError | undefined;
  #closed = false;

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
    private readonly policy: WritePolicy,
    private readonly onCommit?: (records: number) => void,
  ) {}

  #start(): { readonly worker: Worker; readonly replies: MessagePort } {
    const { port1, port2 } = new MessageChannel();
    const workerData: WriterData = { file: this.file, busyTimeoutMs: this.busyTimeoutMs, policy: this.policy, signals: this.#signals.buffer as SharedArrayBuffer, replies: port2 };
    const worker = startModuleWorker(import.meta.url, 'write-worker', { workerData, transferList: [port2], resourceLimits: WRITER_HEAP });
    // Neither keeps the process alive: records not committed at exit were never promised durable.
    worker.unref();
    worker.on('error', (err) => this.#died(`failed: ${err.message}`));
    worker.on('exit', (code) => this.#died(`ended (exit code ${code})`));
    port1.on('message', (message: FromWriter) => this.#receive(message));
    port1.unref();
    return { worker, replies: port1 };
  }

  /** Records known committed by this writer so far. */
  get committed(): number {
    this.#sync();
    return this.#known;
  }

  /** The record of `key` not yet known committed, if any (it wins over what the file holds). */
  pending(key: string): PendingRecord | undefined {
    this.#sync();
    return this.#pending.get(key);
  }

  add(record: PendingRecord): void {
    this.#check();
    const seq = ++this.#seq;
    this.#batch.push(recordMessage(seq, record));
    this.#pending.set(record.key, { ...record, seq });
    this.#order.push([record.key, seq]);
    if (this.#batch.length >= POST_BATCH) this.#send();
    else this.#sending ??= setImmediate(() => this.#sendLater()).unref();
    // The writer commits a group once it holds `records`: waiting for that bounds what is uncommitted.
    if (seq - this.#known > 2 * this.policy.records) {
      this.#send();
      this.#wait('record items', () => seq - Atomics.load(this.#signals, SIGNAL.COMMITTED) <= this.policy.records);
      this.#check();
    }
  }

  /** Posts the records made since the last post, as one message (a message costs ~1–3 µs besides its content). */
  #send(): void {
    clearImmediate(this.#sending);
    this.#sending = undefined;
    const records = this.#batch;
    if (records.length === 0) return;
    this.#batch = [];
    try {
      this.#post({ type: 'records', records });
    } catch (err) {
      // An item holding what cannot be cloned (a function): stringified here, as JSON.stringify always read it.
      if ((err as { name?: unknown }).name !== 'DataCloneError') throw err;
      this.#post({ type: 'records', records: records.map((r) => (typeof r.item === 'string' ? r : { ...r, item: JSON.stringify(r.item) })) });
    }
  }

  #sendLater(): void {
    try {
      this.#send();
    } catch (err) {
      // Nobody to catch it here: the next call throws it.
      this.#failure ??= stateIoError(this.file, `record ${this.#seq - this.#known} items`, err);
    }
  }

  /** Commits every record made so far, waiting for the writer; returns how many it committed. */
  flush(): number {
    this.#check();
    const before = this.#known;
    if (this.#seq === before) return 0;
    this.#send();
    const id = ++this.#flushes;
    this.#post({ type: 'flush', id });
    this.#wait(`record ${this.#seq - before} items`, () => Atomics.load(this.#signals, SIGNAL.FLUSHED) >= id);
    this.#check();
    return this.#known - before;
  }

  /** Commits what is left and ends the thread; throws what the writer failed with, if it did. Idempotent. */
  close(): void {
    if (this.#closed) return;
    if (!this.#failure) this.#send();
    if (!this.#thread) {
      this.#closed = true;
      return;
    }
    const { worker, replies } = this.#thread;
    try {
      this.#check();
      const id = ++this.#flushes;
      this.#post({ type: 'close', id });
      this.#wait('close the writer', () => Atomics.load(this.#signals, SIGNAL.FLUSHED) >= id);
      this.#check();
    } finally {
      this.#closed = true;
      replies.close();
      // Ended already when it closed cleanly; a failed one may still hold its connection.
      void worker.terminate();
    }
  }

  #post(message: ToWriter): void {
    this.#thread ??= this.#start();
    this.#thread.worker.postMessage(message);
  }

  /** Reads what the writer committed, calls onCommit, and throws its failure, if any. */
  #check(): void {
    this.#sync();
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new StateError('ERR_STATE_IO', this.file, 'was closed: no more records can be written');
  }

  /** Catches up with the shared counters: drops the records now committed from `pending`. */
  #sync(): void {
    if (Atomics.load(this.#signals, SIGNAL.FAILED) === 1 && !this.#failure) {
      const replies = this.#thread!.replies;
      for (let reply = receiveMessageOnPort(replies); reply && !this.#failure; reply = receiveMessageOnPort(replies)) {
        this.#receive(reply.message as FromWriter);
      }
      this.#failure ??= stateIoError(this.file, 'record items', new Error('the writer thread failed'));
    }
    const committed = Atomics.load(this.#signals, SIGNAL.COMMITTED);
    if (committed === this.#known) return;
    const count = committed - this.#known;
    this.#known = committed;
    const order = this.#order;
    while (this.#head < order.length && order[this.#head]![1] <= committed) {
      const [key, seq] = order[this.#head++]!;
      if (this.#pending.get(key)?.seq === seq) this.#pending.delete(key);
    }
    if (this.#head > 1024 && this.#head * 2 > order.length) {
      this.#order = order.slice(this.#head);
      this.#head = 0;
    }
    this.onCommit?.(count);
  }

  #receive(message: FromWriter): void {
    if (message.type === 'failed') {
      const cause = Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
      this.#failure ??= stateIoError(this.file, message.doing, cause);
    } else {
      this.#sync();
    }
  }

  #died(how: string): void {
    if (this.#closed) return;
    this.#failure ??= new StateError('ERR_STATE_IO', this.file, `cannot record items: the state's writer thread ${how}; the records it had not committed are worked again by the next run`);
  }

  /**
   * Blocks until `done()` (the run's contract is synchronous), the writer fails, or it shows no sign of life
   * for SILENCE_MS (a thread that died while this one waited: its 'exit' event cannot come during the wait).
   */
  #wait(doing: string, done: () => boolean): void {
    let beat = Atomics.load(this.#signals, SIGNAL.BEAT);
    let lastSign = Date.now();
    while (!done() && Atomics.load(this.#signals, SIGNAL.FAILED) === 0 && !this.#failure) {
      if (Atomics.wait(this.#signals, SIGNAL.BEAT, beat, 1000) !== 'timed-out') {
        beat = Atomics.load(this.#signals, SIGNAL.BEAT);
        lastSign = Date.now();
      } else if (Date.now() - lastSign > SILENCE_MS) {
        this.#failure = new StateError('ERR_STATE_IO', this.file, `cannot ${doing}: the state's writer thread gave no sign of life for ${SILENCE_MS / 1000} s; the records it had not committed are worked again by the next run`);
        void this.#thread?.worker.terminate();
      }
    }
  }
}

/**
 * The message of one record: the item as the text its search page brought (src/util/item-source.ts), else
 * the item to clone (the writer stringifies it); the rest stringified here.
 */
function recordMessage(seq: number, { runId, key, version, status, attempts, stages, entry }: PendingRecord): RecordMessage {
  const { item, ...rest } = entry;
  return {
    seq,
    runId,
    key,
    collection: item.collection ?? '',
    id: item.id,
    version,
    status,
    attempts,
    failures: entry.failures.length > 0 ? JSON.stringify(entry.failures) : null,
    stages: stages === undefined ? null : JSON.stringify(stages),
    item: itemSourceText(item) ?? item,
    rest: JSON.stringify(rest),
    files: Object.entries(entry.files).map(([asset, f]) => [asset, f.path, f.bytes ?? null, f.etag ?? null, f.checksum ?? null, f.status, f.href ?? null] as const),
  };
}
