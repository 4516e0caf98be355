import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { closeS3Clients } from '../../src/s3/client.js';
import { testContext } from '../helpers/context.js';
import { runStep, tempDir } from './fixture.js';

/**
 * S3 documents a single-part ETag as the object's MD5 only for unencrypted and SSE-S3 objects: with SSE-KMS or
 * SSE-C it is not. A tiny S3-like endpoint answers HEAD/GET with such headers.
 */
const BODY = Buffer.from('kms-encrypted bytes, served decrypted\n'.repeat(100));

async function fakeS3(headers: Record<string, string>, etag: string) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': BODY.length, etag, 'last-modified': new Date(0).toUTCString(), 'accept-ranges': 'bytes', ...headers });
    res.end(req.method === 'HEAD' ? undefined : BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const item = {
  type: 'Feature' as const,
  id: 'kms-item',
  collection: 'c',
  geometry: null,
  properties: {},
  assets: { image: { href: 'https://bucket.s3.us-west-2.amazonaws.com/k/kms-item.tif' } },
};

afterAll(() => closeS3Clients());

test.each([
  ['SSE-KMS', { 'x-amz-server-side-encryption': 'aws:kms' }],
  ['SSE-C', { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' }],
])('an %s object whose ETag is not its MD5 downloads (the ETag is not taken for a checksum)', async (_name, headers) => {
  const s3 = await fakeS3(headers, '"0123456789abcdef0123456789abcdef"');
  const dir = await tempDir('kms');
  try {
    const ctx = testContext('download', { s3: { region: 'us-west-2', anonymous: true, endpoint: s3.endpoint } });
    const [entry] = await runStep({ assets: ['image'], to: `${dir}/{id}/` }, [item], ctx);
    expect(entry!.failures).toEqual([]);
    expect(entry!.files.image?.status).toBe('downloaded');
    expect(await readFile(path.join(dir, 'kms-item', 'kms-item.tif'))).toEqual(BODY);
  } finally {
    await s3.close();
  }
});

test('an unencrypted object whose ETag is not its MD5 fails its entry (ERR_DOWNLOAD_CHECKSUM) and leaves no file', async () => {
  const s3 = await fakeS3({}, '"0123456789abcdef0123456789abcdef"');
  const dir = await tempDir('kms');
  try {
    expect(createHash('md5').update(BODY).digest('hex')).not.toBe('0123456789abcdef0123456789abcdef');
    const ctx = testContext('download', { s3: { region: 'us-west-2', anonymous: true, endpoint: s3.endpoint } });
    const [entry] = await runStep({ assets: ['image'], to: `${dir}/{id}/` }, [item], ctx);
    expect(entry!.failures.map((f) => f.code)).toEqual(['ERR_DOWNLOAD_CHECKSUM']);
    await expect(readFile(path.join(dir, 'kms-item', 'kms-item.tif'))).rejects.toThrow(/ENOENT/);
  } finally {
    await s3.close();
  }
});
