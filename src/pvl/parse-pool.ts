import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../util/module-worker.js';
import { PvlDocument } from './document.js';
import { PvlSyntaxError } from './errors.js';
import { fastParsePvl } from './fast/index.js';
import type { ParseReply, ParseRequest } from './fast/pool-protocol.js';
import type { PvlStatement } from './model.js';

/**
 * PVL parsing on worker threads, for a label stage that would otherwise be CPU-bound on one core.
 *
 *     const doc = await parseInPool(text, href);   // as parsePvl(text, { source: href }), off the main thread
 *
 * Threads start on demand, up to `os.availableParallelism()`, and are unref'd while idle, so the pool never
 * holds the process open; `closeParsePool()` ends them. A worker replies with the model's statements
 * (as JSON text, see fast/pool-protocol.ts) and the document is rebuilt here; a syntax error comes back as
 * its details and is rebuilt as the same PvlSyntaxError.
 *
 * Whether this pays: the fast path parses a 10 kB label in about 0.15 ms, and rebuilding its model on the
 * main thread costs about as much, so moving good labels to the pool saves the main thread nothing. What
 * is slow is the grammar (ohm), which runs when the fast path declines: to make a syntax error's message,
 * or in the rare fallback. `parsePvlOffThread` keeps both: the fast path inline, the grammar on the pool.
 * `npm run bench -- pvl` measures the three.
 */
export function parseInPool(text: string, source?: string, declined = false): Promise<PvlDocument> {
  const slot = pickSlot();
  return new Promise<PvlDocument>((resolve, reject) => {
    const id = nextId++;
    slot.pending.set(id, { resolve, reject, source });
    if (slot.pending.size === 1) slot.worker.ref();
    slot.worker.postMessage({ id, text, source, ...(declined ? { declined } : {}) } satisfies ParseRequest);
  });
}

/**
 * The fast path on this thread; where it declines (a label that is not valid PVL, or a fallback), the
 * grammar on a pool thread, so a broken label never blocks the main thread for the grammar's time.
 * Same results and errors as parsePvl(text, { source }).
 */
export async function parsePvlOffThread(text: string, source?: string): Promise<PvlDocument> {
  return fastParsePvl(text, source) ?? parseInPool(text, source, true);
}

/** Ends the pool's threads (pending parses are rejected). The next parseInPool starts new ones. */
export async function closeParsePool(): Promise<void> {
  const closing = slots.splice(0);
  await Promise.all(closing.map((slot) => slot.worker.terminate()));
}

/** How many threads the pool may run (what it has started so far: `parsePoolThreads()`). */
export const PARSE_POOL_SIZE: number = availableParallelism();

export const parsePoolThreads = (): number => slots.length;

interface Pending {
  resolve(doc: PvlDocument): void;
  reject(err: Error): void;
  source: string | undefined;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

const slots: Slot[] = [];
let nextId = 0;

/** The least busy thread; a new one while every thread is busy and the pool is not full. */
function pickSlot(): Slot {
  let best: Slot | undefined;
  for (const slot of slots) if (best === undefined || slot.pending.size < best.pending.size) best = slot;
  if (best !== undefined && (best.pending.size === 0 || slots.length >= PARSE_POOL_SIZE)) return best;
  const slot: Slot = { worker: startWorker(), pending: new Map() };
  slot.worker.unref();
  slot.worker.on('message', (reply: ParseReply) => settle(slot, reply));
  const fail = (err: Error) => {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
  };
  slot.worker.on('error', fail);
  slot.worker.on('exit', (code) => fail(new Error(`PVL parse worker exited (code ${code}) before answering`)));
  slots.push(slot);
  return slot;
}

function settle(slot: Slot, reply: ParseReply): void {
  const pending = slot.pending.get(reply.id);
  if (pending === undefined) return;
  slot.pending.delete(reply.id);
  if (slot.pending.size === 0) slot.worker.unref();
  if ('json' in reply) pending.resolve(new PvlDocument({ statements: JSON.parse(reply.json) as PvlStatement[] }, pending.source));
  else if ('statements' in reply) pending.resolve(new PvlDocument({ statements: reply.statements }, pending.source));
  else if ('syntax' in reply) pending.reject(new PvlSyntaxError(reply.syntax));
  else pending.reject(new Error(`PVL parse worker failed: ${reply.failure}`));
}

/** The worker (fast/parse-worker.ts), compiled or from the sources: src/util/module-worker.ts. */
function startWorker(): Worker {
  return startModuleWorker(import.meta.url, 'fast/parse-worker');
}
