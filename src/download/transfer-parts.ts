import { setMaxListeners } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import { openPart } from './local-files.js';
import { errorMessage } from '../errors.js';
import { writeBody } from './body-writer.js';
import { partCount } from './decide.js';
import { DownloadError } from './errors.js';
import { waitBeforeRetry } from '../http/retry-policy.js';
import { classify, nextWait } from './retry.js';
import { DurableParts } from './durable-parts.js';
import { FileSyncs } from './file-syncs.js';
import type { TransferContext } from './transfer-context.js';
import { withSyncSlot } from './sync-slots.js';
import { WRITE_BEHIND_BYTES, WriteBehind } from './write-behind.js';

/**
 * One object in parallel ranged parts (rclone's multi-thread streams): the `.part` is preallocated to the
 * object's size, each part is a `Range` GET with If-Match, written in place with positional writes and
 * retried on its own from where its bytes stopped. A finished part is made durable at once (durable-parts.ts):
 * its bytes synced (one fdatasync of the `.part`), then recorded (`onPartsDone`, which persists the part map),
 * the parts that finish during a sync + record covered together by the next one, so a run killed at any moment
 * resumes every part that had finished, without a sync per part and without the parts waiting for it. At most
 * `limiter.max` requests run at once over the whole step, parts of other objects included.
 */
export async function fetchParts(
  t: TransferContext, partSize: number, done: readonly number[], onPartsDone: (indexes: number[]) => Promise<void>,
): Promise<{ size: number }> {
  const size = t.size as number;
  const count = partCount(size, partSize);
  const finished = new Set(done);
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !finished.has(i));
  const file = await openPart(t.partPath, finished.size > 0);
  // One for all the parts: they write the same file. Its syncs and the parts' take turns (file-syncs.ts).
  const syncs = new FileSyncs(file);
  const behind = new WriteBehind(syncs.background, WRITE_BEHIND_BYTES);
  // Siblings stop at the first part that fails for good; the run's abort stops them all.
  const stop = new AbortController();
  const onAbort = () => stop.abort(t.signal.reason);
  t.signal.addEventListener('abort', onAbort, { once: true });
  const signal = AbortSignal.any([t.signal, stop.signal]);
  // Each part's request listens to this signal: up to limiter.max of them at once.
  setMaxListeners(2 * t.limiter.max + 2, signal);
  let firstError: unknown;
  const fail = (err: unknown): void => {
    firstError ??= err;
    stop.abort(err);
  };
  // A part that cannot be recorded (the disk refuses the sync or the sidecar) stops the download, as a write would.
  const durable = new DurableParts(() => syncs.covering(withSyncSlot), onPartsDone, fail);
  try {
    if (finished.size === 0) await file.truncate(size);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < missing.length && !signal.aborted) {
        const index = missing[next++];
        try {
          await fetchPart(t, file, behind, index, partSize, size, signal);
        } catch (err) {
          fail(err);
          return;
        }
        t.count('parts');
        durable.finished(index);
      }
    };
    await Promise.all(Array.from({ length: Math.min(missing.length, t.limiter.max) }, worker));
    // Also when stopped early: what was fetched is recorded for the next run. Nothing is written to the
    // sidecar after this returns (the engine writes it next).
    await durable.settle().catch(fail);
    if (t.signal.aborted || firstError !== undefined) throw t.signal.aborted ? t.signal.reason : firstError;
    return { size };
  } finally {
    t.signal.removeEventListener('abort', onAbort);
    // Whatever threw above, no sidecar write of this download may still run once this returns.
    await durable.settle().catch(() => undefined);
    await behind.settle();
    await file.close();
  }
}

async function fetchPart(t: TransferContext, file: FileHandle, behind: WriteBehind, index: number, partSize: number, size: number, signal: AbortSignal): Promise<void> {
  const start = index * partSize;
  const end = Math.min(size, start + partSize); // exclusive
  let position = start;
  /** When the current run of failed attempts began (reset when an attempt brings bytes). */
  let since: number | undefined;
  for (let attempt = 1; position < end; attempt += 1) {
    const release = await t.limiter.acquire(signal);
    since ??= Date.now();
    const before = position;
    let failure: unknown;
    try {
      t.count('requests');
      const opened = await t.source.open({ range: { start: position, end: end - 1 }, ifMatch: t.etag, signal });
      if (!opened.partial) {
        opened.body.destroy();
        throw new DownloadError('ERR_DOWNLOAD_HTTP', `${t.source.href}: the server ignored Range: bytes=${position}-${end - 1} (it sent the whole object); set a multipart_threshold above this file's size to fetch it in one stream`, { href: t.source.href });
      }
      const result = await writeBody(opened.body, file, position, end, () => undefined, (n) => {
        t.count('bytes', n);
        behind.wrote(n);
      }, t.source.href);
      position = result.position;
      if (result.error !== undefined) failure = result.error;
      else if (position < end) failure = new Error(`part ${index} ended after ${position - start} of ${end - start} bytes`);
    } catch (err) {
      failure = err;
    } finally {
      release();
    }
    if (failure === undefined) return;
    const outcome = signal.aborted ? 'abort' : failure instanceof Error && 'errorClass' in failure ? classify(failure, signal) : 'transient';
    if (outcome === 'abort') throw signal.reason ?? failure;
    if (outcome !== 'transient') throw failure;
    if (position !== before) since = Date.now();
    const delayMs = nextWait(attempt, failure, t.retry, since);
    if (delayMs === undefined) {
      throw new DownloadError(
        'ERR_DOWNLOAD_INCOMPLETE',
        `${t.source.href}: part ${index} (bytes ${start}-${end - 1}) did not complete (${attempt} attempts, the last ${Math.round((Date.now() - since) / 1000)} s without a byte; the last error: ${errorMessage(failure)}, at byte ${position}); the parts done are kept in ${t.partPath} and the next run fetches only the others`,
        { href: t.source.href },
      );
    }
    t.count('retries');
    t.onRetry({ attempt, offset: position, reason: errorMessage(failure), delayMs, part: index });
    await waitBeforeRetry(delayMs, signal);
  }
}
