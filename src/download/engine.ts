import type { Got } from 'got';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FileRecord } from '../entry.js';
import { errorMessage } from '../errors.js';
import type { LocatedHref } from '../s3/href.js';
import type { S3Settings } from '../s3/settings.js';
import { decideTransfer, type DecideSettings, type Decision } from './decide.js';
import { DownloadError } from './errors.js';
import { commitPart, makeTargetFolder, partPathOf, readLocalState } from './local-files.js';
import { objectSource, type ObjectSource, type RemoteHead } from './object-source.js';
import { RequestLimiter } from './request-limiter.js';
import { DEFAULT_LIMITS } from '../http/limits.js';
import { classify, downloadRetry, type DownloadRetry } from './retry.js';
import { readSidecar, removeSidecar, writeSidecar, type Sidecar } from './sidecar.js';
import type { TargetPath } from './target-path.js';
import type { TransferContext } from './transfer-context.js';
import { fetchParts } from './transfer-parts.js';
import { fetchWhole } from './transfer-whole.js';
import { checkDigests, Hashes, md5OfEtag, type ExpectedChecksum } from './verify.js';

/** One asset of one item to download. */
export interface DownloadJob {
  /** Item id and asset key, for messages and logs. */
  item: string;
  asset: string;
  /** As the item wrote it: for messages, logs, the sidecar and the file record. */
  href: string;
  /** `locateHref(href)`, read once where the job is made: the S3 object or the HTTP URL every request goes to. */
  located: LocatedHref;
  /** Where it goes (checked by target-path.ts before the job is made). */
  target: TargetPath;
  /** The item's `file:checksum`, when it has one stacflow can check. */
  checksum?: ExpectedChecksum;
}

/** What the engine needs from the run. */
export interface EngineRun {
  s3: S3Settings;
  http: Got;
  signal: AbortSignal;
  log: Logger;
  /** Adds to a counter of the stage: downloaded, skipped, resumed, bytes, requests, retries, parts. */
  count(counter: string, n?: number): void;
  /** Told of each transfer (not of a skip) and of its bytes as they arrive, for per-file progress. */
  startTransfer?(info: { item: string; name: string; size?: number; resumedFrom: number }): FileProgress;
}

/** What one transfer tells a progress display: bytes as they are written, then its end (whatever the outcome). */
export interface FileProgress {
  add(bytes: number): void;
  end(): void;
}

export interface EngineSettings extends DecideSettings {
  /** Parallel requests over the whole step (HEADs, GETs, ranged parts). */
  maxRequests: number;
}

/** Times the engine starts over when the object changes under it (412 to If-Match) before failing. */
const MAX_RESTARTS = 2;

/**
 * The download engine of one `download` step: for each object it decides (HEAD, then skip, resume or fetch:
 * decide.ts), then transfers into `<file>.part` (whole: transfer-whole.ts, or in ranged parts:
 * transfer-parts.ts), verifies (size, MD5 of a single-part ETag, `file:checksum`), syncs and renames, and
 * remembers what it wrote (sidecar.ts). Requests share one RequestLimiter (`max_requests`).
 *
 * What is left on disk when it fails: nothing new for a refusal (404, 403: the `.part` and a partial sidecar
 * are removed) or a wrong size or checksum (a corrupt file is never renamed into place); the `.part` and its
 * sidecar when the connection kept breaking or the run was cancelled, so that the next run resumes it.
 */
export class DownloadEngine {
  readonly limiter: RequestLimiter;
  /** From the run's `http:` limits (`run.s3.limits`, the same for S3 and HTTP hrefs). */
  private readonly retry: DownloadRetry;
  /** Paths being written now, and by whom: two assets never write one file at once. */
  private readonly writing = new Map<string, string>();

  constructor(private readonly settings: EngineSettings, private readonly run: EngineRun) {
    this.limiter = new RequestLimiter(settings.maxRequests);
    this.retry = downloadRetry(run.s3.limits ?? DEFAULT_LIMITS);
  }

  async download(job: DownloadJob): Promise<FileRecord> {
    const file = job.target.absolute;
    const owner = `item ${job.item}, asset ${job.asset}`;
    const holder = this.writing.get(file);
    if (holder !== undefined) {
      throw new DownloadError('ERR_DOWNLOAD_COLLISION', `${owner}: ${job.target.path} is being written for ${holder} already; put {id}, {asset} or {filename} in \`to\` so that each asset has its own path`, { href: job.href, asset: job.asset });
    }
    this.writing.set(file, owner);
    try {
      for (let restart = 0; ; restart += 1) {
        try {
          return await this.once(job);
        } catch (err) {
          const outcome = classify(err, this.run.signal);
          if (outcome === 'abort' || (err instanceof DownloadError && err.code === 'ERR_DOWNLOAD_INCOMPLETE') || outcome === 'transient') throw err;
          // Refused, corrupt or changed: nothing of this download may stay to be mistaken for data. Not after a
          // refused path: a folder on the way may be a link out of the root, and nothing is removed through it.
          if (!(err instanceof DownloadError && err.code === 'ERR_DOWNLOAD_PATH')) await discard(file);
          if (outcome !== 'changed') throw err;
          if (restart >= MAX_RESTARTS) {
            throw new DownloadError('ERR_DOWNLOAD_CHANGED', `${job.href}: the object changed ${restart + 1} times while it was being downloaded; run again when it is stable`, { href: job.href, asset: job.asset, cause: err });
          }
          this.run.count('retries');
          this.run.log.info({ item: job.item, asset: job.asset, href: job.href }, `${job.href} changed on the server (If-Match failed): downloading it again from the start`);
        }
      }
    } finally {
      this.writing.delete(file);
    }
  }

  private async once(job: DownloadJob): Promise<FileRecord> {
    const { run } = this;
    const file = job.target.absolute;
    const source = objectSource(job.located, run);
    const head = await this.limiter.run(async () => {
      run.count('requests');
      return source.head(run.signal);
    }, run.signal);
    // The folder is made only for an object that exists: a refused one leaves nothing behind. No folder on the
    // way may be a link or lead out of the `to` root (ERR_DOWNLOAD_PATH).
    await makeTargetFolder(job.target, job);
    const local = await readLocalState(file);
    const decision = decideTransfer(job.href, job.checksum?.multihash, head, local, this.settings);
    const record = (status: FileRecord['status'], bytes: number, resumedFrom = 0): FileRecord => ({
      path: job.target.path,
      bytes,
      ...(head.etag !== undefined ? { etag: head.etag } : {}),
      ...(job.checksum ? { checksum: job.checksum.multihash } : {}),
      status,
      href: job.href,
      ...(resumedFrom > 0 ? { resumed_from: resumedFrom } : {}),
    });
    if (decision.action === 'skip') {
      run.count('skipped');
      run.log.debug({ item: job.item, asset: job.asset, href: job.href, path: job.target.path }, `${job.target.path}: already there (same href, size and ETag), skipped`);
      return record('skipped', head.size ?? local.final?.size ?? 0);
    }

    const partPath = partPathOf(file);
    const resumedFrom = decision.action === 'whole' ? decision.from : partsBytes(decision.done, decision.partSize, head.size ?? 0);
    if (resumedFrom === 0 && local.part) await rm(partPath, { force: true });
    const partial: Sidecar = {
      stacflow_download: 1,
      state: 'partial',
      href: job.href,
      ...versionOf(head),
      ...(decision.action === 'parts' ? { part_size: decision.partSize, parts_done: [...decision.done] } : {}),
    };
    if (resumedFrom === 0 || decision.action === 'parts') await writeSidecar(file, partial);
    if (resumedFrom > 0) {
      run.count('resumed');
      run.log.info({ item: job.item, asset: job.asset, href: job.href, from: resumedFrom }, `resuming ${job.href} from byte ${resumedFrom}`);
    }

    const progress = run.startTransfer?.({ item: job.item, name: job.target.path, ...(head.size !== undefined ? { size: head.size } : {}), resumedFrom });
    try {
      return await this.fetchAndCommit(job, source, head, decision, partial, resumedFrom, progress, record);
    } finally {
      progress?.end();
    }
  }

  /** The transfer `once` decided on, into the `.part`, verified and renamed into place. */
  private async fetchAndCommit(
    job: DownloadJob, source: ObjectSource, head: RemoteHead, decision: Exclude<Decision, { action: 'skip' }>, partial: Sidecar,
    resumedFrom: number, progress: FileProgress | undefined, record: (status: FileRecord['status'], bytes: number, resumedFrom?: number) => FileRecord,
  ): Promise<FileRecord> {
    const { run } = this;
    const file = job.target.absolute;
    const partPath = partPathOf(file);
    const md5 = head.etagIsMd5 ? md5OfEtag(head.etag) : undefined;
    const newHashes = () => new Hashes(md5, job.checksum);
    const transfer: TransferContext = {
      source,
      partPath,
      size: head.size,
      etag: head.etag,
      limiter: this.limiter,
      retry: this.retry,
      signal: run.signal,
      count: (counter, n) => {
        run.count(counter, n);
        if (counter === 'bytes') progress?.add(n ?? 1);
      },
      onRetry: ({ attempt, offset, reason, delayMs, part }) => {
        run.log.info(
          { item: job.item, asset: job.asset, href: job.href, attempt, offset, part, delay_ms: delayMs, reason },
          `retrying ${job.href}${part !== undefined ? ` part ${part}` : ''} from byte ${offset} in ${delayMs} ms (attempt ${attempt + 1} of ${this.retry.attempts}): ${reason}`,
        );
      },
    };

    let digests: Record<string, string>;
    if (decision.action === 'whole') {
      ({ digests } = await fetchWhole(transfer, decision.from, newHashes));
    } else {
      const done = [...decision.done];
      const onPartsDone = (indexes: number[]): Promise<void> => {
        done.push(...indexes);
        return writeSidecar(file, { ...partial, parts_done: [...done].sort((a, b) => a - b) });
      };
      await fetchParts(transfer, decision.partSize, decision.done, onPartsDone);
      // The MD5 of an object fetched in parts: one sequential read of the finished file.
      const hashes = newHashes();
      await hashes.updateFromFile(partPath, head.size ?? 0, run.signal);
      digests = hashes.digests();
    }

    const size = (await stat(partPath)).size;
    if (head.size !== undefined && size !== head.size) {
      throw new DownloadError('ERR_DOWNLOAD_SIZE', `${job.href}: received ${size} bytes, the server announced ${head.size}; the file was not kept — run again`, { href: job.href, asset: job.asset });
    }
    const wrong = checkDigests(digests, md5, job.checksum);
    if (wrong !== undefined) {
      throw new DownloadError('ERR_DOWNLOAD_CHECKSUM', `${job.href}: ${wrong}; the file was corrupt or the item's metadata is wrong, so it was not kept — run again, and report it to the data provider if it persists`, { href: job.href, asset: job.asset });
    }
    await commitPart(file);
    await writeSidecar(file, {
      stacflow_download: 1,
      state: 'complete',
      href: job.href,
      ...versionOf(head),
      size,
      ...(job.checksum ? { checksum: job.checksum.multihash } : {}),
      completed_at: new Date().toISOString(),
    });
    run.count('downloaded');
    return record('downloaded', size, resumedFrom);
  }
}

function versionOf(head: RemoteHead): Pick<Sidecar, 'size' | 'etag' | 'last_modified'> {
  return {
    ...(head.size !== undefined ? { size: head.size } : {}),
    ...(head.etag !== undefined ? { etag: head.etag } : {}),
    ...(head.lastModified !== undefined ? { last_modified: head.lastModified } : {}),
  };
}

/** Bytes held by the parts `done` of an object of `size` bytes. */
function partsBytes(done: readonly number[], partSize: number, size: number): number {
  return done.reduce((sum, i) => sum + Math.max(0, Math.min(size, (i + 1) * partSize) - i * partSize), 0);
}

/** Removes the `.part`, and the sidecar when it describes that `.part` (a complete one stays with its file). */
async function discard(file: string): Promise<void> {
  await rm(partPathOf(file), { force: true });
  const sidecar = await readSidecar(file);
  if (sidecar?.state === 'partial') await removeSidecar(file);
}
