import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { outputClientFor } from '../s3/output-client.js';
import { remoteOutputError, s3ErrorCode } from './errors.js';
import { isRemoteOutput, outputObject, remoteDirname } from './output-url.js';
import { outputS3Settings, type OutputS3Settings } from './settings.js';

/**
 * Outputs read back (`stacflow merge` reading shard files and reports): a local path as it is, an `s3://` one
 * downloaded (signed, with the `outputs_s3` settings) to a temporary file, bounded in size and time.
 */
export interface LocalCopy {
  /** A local file holding the output. */
  readonly path: string;
  /** Removes the temporary copy (nothing for a local output). */
  release(): Promise<void>;
}

export interface ReadBackOptions {
  settings?: OutputS3Settings;
  signal?: AbortSignal;
}

/** The output at `pathOrUrl` as a local file: the path itself, or a copy of the S3 object. */
export async function openOutputForRead(pathOrUrl: string, options: ReadBackOptions = {}): Promise<LocalCopy> {
  if (!isRemoteOutput(pathOrUrl)) return { path: pathOrUrl, release: async () => undefined };
  return localCopy(pathOrUrl, options);
}

/**
 * Downloads `s3://bucket/key` to a temporary file. A body larger than `maxReadBytes` fails before it is read
 * (by its Content-Length) or as soon as it passes the bound; the whole read has `readTimeoutMs`. Errors name
 * the URL (NoSuchKey: which file is missing).
 */
export async function localCopy(url: string, options: ReadBackOptions = {}): Promise<LocalCopy> {
  const settings = options.settings ?? outputS3Settings();
  const { bucket, key } = outputObject(url);
  const folder = await mkdtemp(path.join(os.tmpdir(), 'stacflow-read-'));
  const release = () => rm(folder, { recursive: true, force: true });
  const file = path.join(folder, url.slice(url.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9._-]/g, '_') || 'object');
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(settings.readTimeoutMs)]) : AbortSignal.timeout(settings.readTimeoutMs);
  try {
    const answer = await outputClientFor(settings).send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    const body = answer.Body as Readable | undefined;
    if (answer.ContentLength !== undefined && answer.ContentLength > settings.maxReadBytes) {
      body?.destroy();
      throw new Error(`the object is ${answer.ContentLength} bytes, over outputs_s3.max_read_bytes (${settings.maxReadBytes})`);
    }
    if (!body) throw new Error('the answer has no body');
    await pipeline(body, byteBound(settings.maxReadBytes), createWriteStream(file, { flags: 'wx' }), { signal });
    return { path: file, release };
  } catch (err) {
    await release();
    throw remoteOutputError(url, 'read', signal.aborted && !options.signal?.aborted ? new Error(`no answer within outputs_s3.read_timeout (${settings.readTimeoutMs} ms)`) : err, settings);
  }
}

/** As localCopy, but undefined when there is no such object (a shard that did not write its file). */
export async function localCopyIfAny(url: string, options: ReadBackOptions = {}): Promise<(LocalCopy & { size: number }) | undefined> {
  try {
    const copy = await localCopy(url, options);
    return { ...copy, size: (await stat(copy.path)).size };
  } catch (err) {
    const code = s3ErrorCode((err as { cause?: unknown }).cause);
    if (code === 'NoSuchKey' || code === 'NotFound') return undefined;
    throw err;
  }
}

/** Size and ETag of `s3://bucket/key`, or undefined when there is no such object. Other errors throw, naming the URL. */
export async function headOutput(url: string, settings: OutputS3Settings = outputS3Settings()): Promise<{ size: number; etag: string } | undefined> {
  const { bucket, key } = outputObject(url);
  try {
    const head = await outputClientFor(settings).send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: AbortSignal.timeout(settings.readTimeoutMs) });
    return { size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
  } catch (err) {
    const code = s3ErrorCode(err);
    if (code === 'NotFound' || code === 'NoSuchKey') return undefined;
    throw remoteOutputError(url, 'read', err, settings);
  }
}

/**
 * The names of the objects in the "folder" of `url` (`s3://b/out/x.report.json` → every `s3://b/out/<name>`,
 * not deeper), as `s3://` URLs: how `stacflow merge` finds the shard files beside a report on S3.
 */
export async function listBeside(url: string, settings: OutputS3Settings = outputS3Settings()): Promise<string[]> {
  const folder = remoteDirname(url);
  const { bucket, key } = outputObject(`${folder}/_`);
  const prefix = key.slice(0, -1);
  const client = outputClientFor(settings);
  const found: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }), { abortSignal: AbortSignal.timeout(settings.readTimeoutMs) });
      for (const object of page.Contents ?? []) if (object.Key) found.push(`s3://${bucket}/${object.Key}`);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    throw remoteOutputError(`${folder}/`, 'list', err, settings);
  }
  return found;
}

/** Passes bytes through until `max`, then fails the stream. */
function byteBound(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > max) callback(new Error(`the object is over outputs_s3.max_read_bytes (${max} bytes)`));
      else callback(null, chunk);
    },
  });
}
