import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listBeside, localCopy, openOutputForRead } from '../../src/remote-output/read-back.js';
import { uploadOutput } from '../../src/remote-output/upload.js';
import { useOutputS3Settings } from '../../src/remote-output/settings.js';
import { TempOutputFile } from '../../src/util/temp-output-file.js';
import { OUTPUT_BUCKET, startOutputFixture, type OutputFixture } from './s3-outputs.js';

let fx: OutputFixture;
let dir: string;
beforeAll(async () => {
  fx = await startOutputFixture();
  dir = await mkdtemp(path.join(os.tmpdir(), 'remote-upload-'));
});
afterAll(async () => {
  useOutputS3Settings(undefined);
  await fx.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => fx.sandbox.s3!.clearRequests());

/** The error a promise rejects with (the test fails if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const outcome = await promise.then(() => undefined, (err: unknown) => err as Error & { code?: string });
  if (outcome === undefined) throw new Error('expected a failure');
  return outcome;
}

const url = (key: string) => `s3://${OUTPUT_BUCKET}/${key}`;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const requestsTo = (key: string) => fx.sandbox.s3!.requests.filter((r) => r.bucket === OUTPUT_BUCKET && r.key === key);

test('a small file is one signed PutObject with its CRC32, then a HEAD; the object equals the file', async () => {
  const file = path.join(dir, 'small.csv');
  await writeFile(file, 'id,collection\na,b\n');
  const uploaded = await uploadOutput(file, url('run/small.csv'), fx.settings);
  expect(uploaded).toMatchObject({ url: url('run/small.csv'), size: 18, parts: 1 });
  expect(uploaded.etag).toMatch(/^"[0-9a-f]{32}"$/);
  const requests = requestsTo('run/small.csv');
  expect((await fx.object('run/small.csv'))?.toString()).toBe('id,collection\na,b\n');
  const put = requests.find((r) => r.method === 'PUT')!;
  expect(put.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\//);
  expect(put.headers['x-amz-checksum-crc32']).toBeDefined();
  expect(put.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(requests.map((r) => r.method)).toEqual(['PUT', 'HEAD']);
});

test('a file over the part size goes up in parts (multipart), and arrives whole', async () => {
  const bytes = randomBytes(20 * 1024 * 1024 + 123);
  const file = path.join(dir, 'big.parquet');
  await writeFile(file, bytes);
  const uploaded = await uploadOutput(file, url('run/big.parquet'), fx.settings);
  expect(uploaded.parts).toBe(5); // 5 MiB parts: 4 whole ones and the rest
  expect(uploaded.size).toBe(bytes.length);
  const parts = requestsTo('run/big.parquet').filter((r) => r.method === 'PUT' && r.query.partNumber !== undefined);
  expect(parts.map((r) => r.query.partNumber).sort()).toEqual(['1', '2', '3', '4', '5']);
  for (const part of parts) expect(part.headers['x-amz-checksum-crc32']).toBeDefined();
  expect(sha((await fx.object('run/big.parquet'))!)).toBe(sha(bytes));
});

test('a multipart upload cut short is aborted: no object under the key, its parts deleted', async () => {
  const file = path.join(dir, 'cut.parquet');
  await writeFile(file, randomBytes(16 * 1024 * 1024));
  const controller = new AbortController();
  const watch = setInterval(() => {
    if (requestsTo('run/cut.parquet').some((r) => r.query.partNumber !== undefined)) controller.abort(new Error('run cancelled'));
  }, 5);
  try {
    await expect(uploadOutput(file, url('run/cut.parquet'), { ...fx.settings, partsInFlight: 1 }, controller.signal)).rejects.toThrow(/cannot upload s3:\/\/stacflow-outputs\/run\/cut\.parquet/);
  } finally {
    clearInterval(watch);
  }
  expect(await fx.object('run/cut.parquet')).toBeUndefined();
  // lib-storage's abort: AbortMultipartUpload (DELETE ?uploadId=...).
  await new Promise((r) => setTimeout(r, 200));
  expect(requestsTo('run/cut.parquet').some((r) => r.method === 'DELETE' && r.query.uploadId !== undefined)).toBe(true);
});

test('a bucket that does not exist: the error names the s3:// URL, the endpoint and what to check', async () => {
  const file = path.join(dir, 'nobucket.csv');
  await writeFile(file, 'x\n');
  const err = await failure(uploadOutput(file, 's3://no-such-bucket/run/x.csv', fx.settings));
  expect(err).toMatchObject({ code: 'ERR_OUTPUT_UPLOAD' });
  expect(err.message).toContain('cannot upload s3://no-such-bucket/run/x.csv');
  expect(err.message).toContain(fx.settings.endpoint);
  expect(err.message).toMatch(/NoSuchBucket.*check the bucket name/);
});

test('credentials S3 refuses: the error names the URL and says where credentials come from', async () => {
  const file = path.join(dir, 'denied.csv');
  await writeFile(file, 'x\n');
  const saved = process.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_ACCESS_KEY_ID = 'NOT-S3RVER';
  try {
    // A client of its own (another region: not the cached one, which holds the good credentials).
    const err = await failure(uploadOutput(file, url('run/denied.csv'), { ...fx.settings, region: 'eu-west-1' }));
    expect(err.message).toMatch(/^cannot upload s3:\/\/stacflow-outputs\/run\/denied\.csv .*InvalidAccessKeyId.*AWS_ACCESS_KEY_ID/);
  } finally {
    process.env.AWS_ACCESS_KEY_ID = saved;
  }
  expect(await fx.object('run/denied.csv')).toBeUndefined();
});

test('TempOutputFile to s3://: written locally, uploaded on finish, the staged file removed; abort uploads nothing', async () => {
  useOutputS3Settings(fx.settings);
  const out = new TempOutputFile<string>(url('run/report.json'));
  await out.write('{"a":');
  await out.write('1}\n');
  await out.finish();
  expect(out.uploaded).toMatchObject({ size: 8, parts: 1 });
  expect((await fx.object('run/report.json'))?.toString()).toBe('{"a":1}\n');
  expect(existsSync(out.tempPath)).toBe(false);
  expect(existsSync(out.tempPath.replace(/\.tmp-\d+$/, ''))).toBe(false);

  const aborted = new TempOutputFile<string>(url('run/aborted.json'));
  await aborted.write('half');
  await aborted.abort();
  expect(existsSync(aborted.tempPath)).toBe(false);
  expect(requestsTo('run/aborted.json')).toEqual([]);
  expect(await fx.object('run/aborted.json')).toBeUndefined();
});

test('a failed upload fails finish() with the URL, and leaves no staged file', async () => {
  useOutputS3Settings(fx.settings);
  const out = new TempOutputFile<string>('s3://no-such-bucket/x.csv');
  await out.write('x\n');
  await expect(out.finish()).rejects.toThrow(/cannot upload s3:\/\/no-such-bucket\/x\.csv/);
  await out.abort();
  expect(existsSync(out.tempPath.replace(/\.tmp-\d+$/, ''))).toBe(false);
});

test('read back: a local copy of the object, released after; a local path as it is', async () => {
  const file = path.join(dir, 'back.ndjson');
  await writeFile(file, '{"id":"a"}\n');
  await uploadOutput(file, url('back/one.ndjson'), fx.settings);
  const copy = await localCopy(url('back/one.ndjson'), { settings: fx.settings });
  expect(await readFile(copy.path, 'utf8')).toBe('{"id":"a"}\n');
  await copy.release();
  expect(existsSync(copy.path)).toBe(false);
  const local = await openOutputForRead(file, { settings: fx.settings });
  expect(local.path).toBe(file);
  await local.release();
  expect(existsSync(file)).toBe(true);
});

test('read back is bounded: an object over max_read_bytes fails before its body is kept', async () => {
  const err = await failure(localCopy(url('back/one.ndjson'), { settings: { ...fx.settings, maxReadBytes: 4 } }));
  expect(err).toMatchObject({ code: 'ERR_OUTPUT_READ' });
  expect(err.message).toMatch(/cannot read s3:\/\/stacflow-outputs\/back\/one\.ndjson .*max_read_bytes/);
});

test('read back of a missing object names it', async () => {
  await expect(localCopy(url('back/missing.csv'), { settings: fx.settings })).rejects.toThrow(/cannot read s3:\/\/stacflow-outputs\/back\/missing\.csv .*NoSuchKey/);
});

test('listBeside lists the objects of one folder, not deeper', async () => {
  for (const name of ['a.report.json', 'b.csv', 'deeper/c.csv']) {
    const file = path.join(dir, 'list');
    await writeFile(file, name);
    await uploadOutput(file, url(`listed/${name}`), fx.settings);
  }
  expect((await listBeside(url('listed/x.report.json'), fx.settings)).sort()).toEqual([url('listed/a.report.json'), url('listed/b.csv')]);
});

test('rclone_manifest to s3://: the manifest and its per-bucket lists are uploaded beside each other', async () => {
  const { kaguyaItems, runYaml, writeNdjson } = await import('../catalog/catalog-run.js');
  const work = await mkdtemp(path.join(dir, 'rclone-'));
  await writeNdjson(path.join(work, 'items.ndjson'), kaguyaItems());
  const result = await runYaml([
    'name: listed',
    `outputs_s3: { endpoint: "${fx.settings.endpoint}", part_size: 5MiB }`,
    `source: { items: { path: ${path.join(work, 'items.ndjson')} } }`,
    'steps:',
    `  - rclone_manifest: { assets: [image], remote: s3_noauth, path: "${url('manifests/kaguya.txt')}" }`,
    'outputs:',
    `  - csv: { path: "${path.join(work, 'out.csv')}" }`,
    '',
  ].join('\n'), work);
  expect(result.report.error).toBeUndefined();
  expect(result.report.outputs.rclone_manifest).toMatchObject({ path: url('manifests/kaguya.txt'), rows: 3 });
  const manifest = (await fx.object('manifests/kaguya.txt'))!.toString();
  expect(manifest.trim().split('\n')).toHaveLength(3);
  expect(manifest).toMatch(/^s3_noauth:\/astrogeo-ard\/moon\/kaguya\//);
  expect((await fx.object('manifests/kaguya.astrogeo-ard.files.txt'))!.toString().trim().split('\n')).toHaveLength(3);
}, 60_000);
