import { openPart } from './local-files.js';
import { errorMessage } from '../errors.js';
import { writeBody } from './body-writer.js';
import { DownloadError } from './errors.js';
import { waitBeforeRetry } from '../http/retry-policy.js';
import { classify, nextWait } from './retry.js';
import type { TransferContext } from './transfer-context.js';
import type { Hashes } from './verify.js';
import { WRITE_BEHIND_BYTES, WriteBehind } from './write-behind.js';

/**
 * One object in one stream into `<file>.part`, from byte `from` (a resumed `.part` holds the bytes before it:
 * they are read back into the hashes first, so the whole file's MD5 still verifies). A body that stops short
 * or stalled is asked for again from where it stopped (Range + If-Match), with backoff (retry.ts: up to
 * `retry.attempts`, none past http.give_up_after without a byte); then the entry fails and the `.part` stays
 * for a later run. Returns the bytes in the `.part` and the hashes.
 */
export async function fetchWhole(t: TransferContext, from: number, newHashes: () => Hashes): Promise<{ size: number; digests: Record<string, string> }> {
  let hashes = newHashes();
  const file = await openPart(t.partPath, from > 0);
  const behind = new WriteBehind(file, WRITE_BEHIND_BYTES);
  try {
    let position = from;
    if (from > 0) {
      await file.truncate(from);
      await hashes.updateFromFile(t.partPath, from, t.signal);
    }
    /** When the current run of failed attempts began (reset when an attempt brings bytes). */
    let since: number | undefined;
    for (let attempt = 1; t.size === undefined || position < t.size || attempt === 1; attempt += 1) {
      if (t.size !== undefined && position === t.size && position > 0) break; // a resumed .part that was complete
      const release = await t.limiter.acquire(t.signal);
      since ??= Date.now();
      const before = position;
      let failure: unknown;
      try {
        t.count('requests');
        const opened = await t.source.open({ range: position > 0 ? { start: position } : undefined, ifMatch: t.etag, signal: t.signal });
        if (position > 0 && !opened.partial) {
          // The server sent the whole object instead of the range: take it from the start.
          position = 0;
          hashes = newHashes();
          await file.truncate(0);
        }
        const end = t.size ?? (opened.contentLength !== undefined ? position + opened.contentLength : undefined);
        const result = await writeBody(opened.body, file, position, end, (chunk) => hashes.update(chunk), (n) => {
          t.count('bytes', n);
          behind.wrote(n);
        }, t.source.href);
        position = result.position;
        if (result.error !== undefined) failure = result.error;
        else if (end !== undefined && position < end) failure = new Error(`the body ended after ${position} of ${end} bytes`);
        else break;
      } catch (err) {
        failure = err;
      } finally {
        release();
      }
      const outcome = failure instanceof DownloadError || t.signal.aborted ? classify(failure, t.signal) : bodyOutcome(failure, t.signal);
      if (outcome !== 'transient') throw outcome === 'abort' ? t.signal.reason ?? failure : failure;
      if (position !== before) since = Date.now();
      const delayMs = nextWait(attempt, failure, t.retry, since);
      if (delayMs === undefined) {
        const last = `${errorMessage(failure)}, at byte ${position}${t.size !== undefined ? ` of ${t.size}` : ''}`;
        throw new DownloadError(
          'ERR_DOWNLOAD_INCOMPLETE',
          `${t.source.href}: the download did not complete (${attempt} attempts, the last ${Math.round((Date.now() - since) / 1000)} s without a byte; the last error: ${last}); ${position} bytes are kept in ${t.partPath} and the next run resumes from there`,
          { href: t.source.href },
        );
      }
      t.count('retries');
      t.onRetry({ attempt, offset: position, reason: errorMessage(failure), delayMs });
      await waitBeforeRetry(delayMs, t.signal);
    }
    return { size: position, digests: hashes.digests() };
  } finally {
    await behind.settle();
    await file.close();
  }
}

/** Errors that are not ours (S3 client errors, socket errors mid-body) are retried unless they say not to. */
function bodyOutcome(err: unknown, signal: AbortSignal): ReturnType<typeof classify> {
  const outcome = classify(err, signal);
  // classify() says 'fail' for what it does not know; a raw error here is the body's socket breaking.
  if (outcome === 'fail' && !(err instanceof Error && 'errorClass' in err)) return 'transient';
  return outcome;
}
