import { z } from 'zod';
import { withFile, type Entry } from '../src/entry.js';
import { StacflowError } from '../src/errors.js';
import type { DownloadJob } from '../src/download/engine.js';
import { DownloadError, s3Failure } from '../src/download/errors.js';
import { byteSize } from '../src/download/size.js';
import { expandTarget, filenameOf, parseTargetTemplate, templateProblems, type TargetPath } from '../src/download/target-path.js';
import { parseMultihash } from '../src/download/verify.js';
import type { AsyncStep, StepStage } from '../src/engine/stage.js';
import { perEntry } from '../src/engine/step.js';
import { S3ObjectError } from '../src/s3/errors.js';
import { locateHref } from '../src/s3/href.js';
import { assetSelectionFields, SELECTS_SOMETHING, selectAssets } from '../src/stac/asset-selection.js';

const MiB = 1024 * 1024;

export const downloadOptions = z
  .object({
    ...assetSelectionFields('download'),
    to: z
      .string()
      .default('data/{collection}/{id}/')
      .superRefine((to, ctx) => {
        for (const message of templateProblems(to)) ctx.addIssue({ code: 'custom', message });
      })
      .describe('Local path template: {collection} {id} {asset} {filename} (the last segment of the href); ending in / means + {filename}; relative to the working directory. Files never leave its fixed leading folder'),
    concurrency: z.number().int().positive().default(16).describe('Objects downloaded at the same time (default 16, as the rclone_manifest commands\' --transfers: measured best of 4, 8, 16 at 20 ms latency: README, Benchmarks, download-concurrency)'),
    max_requests: z.number().int().positive().default(16).describe('Parallel requests over the whole step, ranged parts included'),
    multipart_threshold: byteSize(1).default(64 * MiB).describe('Objects larger than this are fetched as parallel ranged parts: bytes, or a size such as 64MiB, 250M, 1G (default 64MiB)'),
    part_size: byteSize(1).default(16 * MiB).describe('Size of each ranged part: bytes, or a size such as 16MiB (default 16MiB)'),
    required: z.boolean().default(true).describe('An item without a listed asset key fails (true), or is passed on without it (false)'),
  })
  .strict()
  .refine(SELECTS_SOMETHING.check, { message: SELECTS_SOMETHING.message, path: ['assets'] })
  .describe('Download assets of each item: S3 unsigned or HTTP(S), verified, resumable, in parallel ranged parts when large');

export type DownloadOptions = z.output<typeof downloadOptions>;

const example = `download:
  assets: [image]
  to: "data/{collection}/{id}/"
  concurrency: 16
  max_requests: 16
  multipart_threshold: 64MiB
  part_size: 16MiB
`;

/**
 * `download`: writes assets of each item to local files, verified and resumable, without rclone.
 *
 * ```yaml
 * download:
 *   assets: [image]
 *   to: "data/{collection}/{id}/"
 *   concurrency: 16
 *   max_requests: 16
 *   multipart_threshold: 64MiB
 *   part_size: 16MiB
 * ```
 *
 * S3 hrefs (every form src/s3/href.ts knows) are read unsigned through the S3 client with the pipeline's
 * `s3:` settings; others over HTTP(S) with the run's client. Per object: a HEAD, then
 * - skip, without a GET, when the file is there and its sidecar (`.<name>.stacflow.json` beside it) records
 *   the same href, size and ETag as the HEAD says now;
 * - resume a `<name>.part` left by an interrupted run, when its recorded ETag still matches (Range +
 *   If-Match; a changed object starts again from byte 0);
 * - otherwise stream into `<name>.part`, or, above `multipart_threshold`, fetch parallel ranged parts of
 *   `part_size` written in place (a killed run resumes the missing parts).
 * Bodies cut short are asked for again from where they stopped, with backoff. Then size, MD5 (S3 single-part
 * ETags) and the asset's `file:checksum` (sha2-256, sha2-512, sha1, md5, sha3 multihashes; another code is
 * logged as unchecked, not guessed) are verified, the file is synced and renamed into place and its sidecar
 * written. A wrong size or checksum removes the `.part`; a 404/NoSuchKey or 403 leaves no file and no
 * `.part`; both fail the entry, naming the href and the S3 code or HTTP status, while its other assets still
 * download. Paths are checked before any request: ids, collections, keys or file names with `..`, absolute
 * paths, empty segments or control characters are refused (ERR_DOWNLOAD_PATH).
 *
 * Each downloaded asset is recorded on the entry (`files.<asset>`: path, bytes, etag, checksum, status
 * downloaded | skipped | failed, href). Counters: `downloaded`, `skipped`, `resumed`, `bytes` (written this
 * run), `bytes_planned` (what the transfers set out to fetch), `requests`, `retries`, `parts`, `checksum_unchecked`.
 */
export const download: StepStage<typeof downloadOptions, AsyncStep> = {
  kind: 'step',
  name: 'download',
  summary: 'Download assets (S3 unsigned or HTTP): verified by size, MD5 and file:checksum, skipped when current, resumable, ranged parts',
  example,
  schema: downloadOptions,
  // What it does for an entry stays in the entry: a retried item that passed it does not repeat it.
  keepsWorkInEntry: true,
  async create(options, ctx) {
    const { DownloadEngine } = await import('../src/download/engine.js'); // loaded to run, not to validate
    const target = parseTargetTemplate(options.to);
    const engine = new DownloadEngine(
      { maxRequests: options.max_requests, multipartThreshold: options.multipart_threshold, partSize: options.part_size },
      { s3: ctx.s3, http: ctx.http, signal: ctx.signal, log: ctx.log, count: (counter, n) => ctx.stats.count(ctx.label, counter, n), startTransfer: (info) => ctx.stats.startTransfer(ctx.label, info) },
    );

    /** The job for one asset, or the reason there is none (thrown before any request). */
    const jobFor = (entry: Entry, key: string): DownloadJob => {
      const { item } = entry;
      const href = item.assets[key]?.href;
      if (typeof href !== 'string' || href === '') {
        throw new DownloadError('ERR_DOWNLOAD_NO_ASSET', `item ${item.id}: asset ${key} has no href`, { asset: key });
      }
      // Parsed here, once: the engine, the object source and the S3 client take the located object.
      const located = locateHref(href);
      const filename = filenameOf(href, located.kind === 's3' ? located.location.key : undefined);
      const path: TargetPath = expandTarget(target, { collection: item.collection, id: item.id, asset: key, filename }, { item: item.id, asset: key, href });
      const checksum = item.assets[key]['file:checksum'];
      let expected;
      if (checksum !== undefined) {
        const parsed = parseMultihash(checksum);
        if (parsed.ok) expected = parsed.checksum;
        else {
          ctx.stats.count(ctx.label, 'checksum_unchecked');
          ctx.log.warn({ item: item.id, asset: key, href }, `${item.id} ${key}: ${parsed.reason}; the file is verified by size and ETag only`);
        }
      }
      return { item: item.id, asset: key, href, located, target: path, ...(expected ? { checksum: expected } : {}) };
    };

    const work = async (entry: Entry): Promise<Entry> => {
      const { keys, missing } = selectAssets(entry.item, options);
      const failures: unknown[] = [];
      if (options.required && missing.length > 0) {
        const have = Object.keys(entry.item.assets ?? {}).join(', ') || 'none';
        for (const key of missing) {
          failures.push(new DownloadError('ERR_DOWNLOAD_NO_ASSET', `item has no asset ${key} (its assets: ${have}; \`required: false\` passes such items on)`, { asset: key }));
        }
      }
      // Every job is made (and its path checked) before the first request of the entry.
      const jobs: DownloadJob[] = [];
      for (const key of keys) {
        try {
          jobs.push(jobFor(entry, key));
        } catch (err) {
          failures.push(err);
        }
      }
      let result = entry;
      for (const job of jobs) {
        try {
          result = withFile(result, job.asset, await engine.download(job));
        } catch (err) {
          if (ctx.signal.aborted || (err instanceof StacflowError && err.errorClass === 'fatal')) throw err;
          failures.push(err instanceof S3ObjectError ? s3Failure(err, job.asset) : err);
          result = withFile(result, job.asset, { path: job.target.path, bytes: 0, status: 'failed', href: job.href });
        }
      }
      // Each failed asset is its own failure (with its href), on an entry that keeps the files that did arrive.
      for (const err of failures) result = ctx.fail(result, err);
      return result;
    };
    // Every request in flight listens to the run's signal (got, the S3 client, each part's own signal).
    return perEntry(work, { concurrency: options.concurrency, signalListeners: 3 * options.max_requests + 2 * options.concurrency });
  },
};
