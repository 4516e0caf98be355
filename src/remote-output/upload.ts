import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { outputClientFor } from '../s3/output-client.js';
import { remoteOutputError } from './errors.js';
import { outputObject } from './output-url.js';
import type { OutputS3Settings } from './settings.js';
import { recordUpload, type UploadedObject } from './uploads.js';

/**
 * Uploads a finished local file to its `s3://` URL, then checks what S3 holds. One PutObject up to
 * `partSizeBytes`, a multipart upload above (@aws-sdk/lib-storage), every request signed (its SHA-256 payload
 * hash) and every part carrying its CRC32, which S3 checks: a damaged part is refused. A multipart upload that
 * fails is aborted (its parts deleted), so the key never holds part of the file: it holds the earlier object,
 * or the whole new one. Then a HEAD: the size must be the file's and the ETag the upload's (nobody wrote the key
 * in between). `signal` aborts the upload the same way.
 */
export async function uploadOutput(file: string, url: string, settings: OutputS3Settings, signal?: AbortSignal): Promise<UploadedObject> {
  const { bucket, key } = outputObject(url);
  const { size } = await stat(file);
  const client = outputClientFor(settings);
  const abortController = new AbortController();
  const onAbort = () => abortController.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let parts = 1;
  let etag: string | undefined;
  try {
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: createReadStream(file), ContentType: contentTypeOf(key), ChecksumAlgorithm: 'CRC32' },
      partSize: settings.partSizeBytes,
      queueSize: settings.partsInFlight,
      leavePartsOnError: false,
      abortController,
    });
    upload.on('httpUploadProgress', (progress) => {
      if (progress.part !== undefined && progress.part > parts) parts = progress.part;
    });
    etag = (await upload.done()).ETag;
  } catch (err) {
    throw remoteOutputError(url, 'upload', err, settings);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  let head;
  try {
    head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    throw remoteOutputError(url, 'verify', err, settings);
  }
  if (head.ContentLength !== size) {
    throw remoteOutputError(url, 'verify', new Error(`S3 holds ${head.ContentLength ?? 'no'} bytes after the upload of ${size}`), settings);
  }
  if (etag !== undefined && head.ETag !== etag) {
    throw remoteOutputError(url, 'verify', new Error(`the object's ETag ${head.ETag} is not the upload's ${etag}: something else wrote the key meanwhile`), settings);
  }
  const uploaded: UploadedObject = { url, size, etag: head.ETag ?? etag ?? '', parts };
  recordUpload(uploaded);
  return uploaded;
}

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.ndjson': 'application/x-ndjson',
  '.geojson': 'application/geo+json',
  '.json': 'application/json',
  '.parquet': 'application/vnd.apache.parquet',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** What a browser or `aws s3 cp` should make of the object (report.html opens as a page). */
function contentTypeOf(key: string): string {
  return CONTENT_TYPES[path.posix.extname(key).toLowerCase()] ?? 'application/octet-stream';
}
