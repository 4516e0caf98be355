import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { writeBody } from '../../src/download/body-writer.js';
import { tempDir } from './fixture.js';

/** A real file whose positional writes (write and writev calls) are counted. */
async function countedFile(file: string, flags = 'w') {
  const handle = await open(file, flags);
  let writes = 0;
  const counted = new Proxy(handle, {
    get(target, name) {
      if (name === 'write') return (...args: Parameters<FileHandle['write']>) => ((writes += 1), target.write(...args));
      if (name === 'writev') return (...args: Parameters<FileHandle['writev']>) => ((writes += 1), target.writev(...args));
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { handle: counted, writes: () => writes, close: () => handle.close() };
}

const chunksOf = (bytes: Buffer, size: number): Buffer[] => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

let dir: string;
beforeEach(async () => {
  dir = await tempDir('body-writer');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeBody', () => {
  it('batches small chunks (TLS records) into few writes, one batch filling while the other is written; the file and the hash see every byte in order', async () => {
    const bytes = randomBytes(1_000_000);
    const file = path.join(dir, 'small.part');
    const f = await countedFile(file);
    const hash = createHash('sha256');
    let counted = 0;
    const result = await writeBody(Readable.from(chunksOf(bytes, 16 * 1024)), f.handle, 0, bytes.length, (c) => hash.update(c), (n) => (counted += n));
    await f.close();
    expect(result).toEqual({ position: bytes.length });
    expect((await readFile(file)).equals(bytes)).toBe(true);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(counted).toBe(bytes.length);
    expect(f.writes()).toBeGreaterThanOrEqual(Math.ceil(bytes.length / (256 * 1024)));
    expect(f.writes()).toBeLessThanOrEqual(Math.ceil(bytes.length / (256 * 1024)) + 1);
  });

  it('writes small and large chunks in order at an offset, in batches of 256 KiB', async () => {
    const bytes = randomBytes(700_000);
    // 3000-byte chunks, then 100 KiB ones, then small again.
    const chunks = [...chunksOf(bytes.subarray(0, 300_000), 3000), ...chunksOf(bytes.subarray(300_000, 607_200), 100 * 1024), ...chunksOf(bytes.subarray(607_200), 3000)];
    const file = path.join(dir, 'mixed.part');
    const f = await countedFile(file);
    await f.handle.write(Buffer.from('prefix'), 0, 6, 0);
    const result = await writeBody(Readable.from(chunks), f.handle, 6, 6 + bytes.length, () => undefined, () => undefined);
    await f.close();
    expect(result).toEqual({ position: 6 + bytes.length });
    expect((await readFile(file)).equals(Buffer.concat([Buffer.from('prefix'), bytes]))).toBe(true);
    // 1 prefix write, then 700,000 bytes in batches of at least 256 KiB (the last one smaller).
    expect(f.writes()).toBeGreaterThanOrEqual(1 + 2);
    expect(f.writes()).toBeLessThanOrEqual(1 + 3);
  });

  it('a body that breaks off: the bytes taken before are in the file, and the position says where to resume', async () => {
    const bytes = randomBytes(100_000);
    const broken = Readable.from((async function* () {
      yield* chunksOf(bytes, 10_000);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    })());
    const file = path.join(dir, 'broken.part');
    const f = await countedFile(file);
    const result = await writeBody(broken, f.handle, 0, 1_000_000, () => undefined, () => undefined);
    await f.close();
    expect(result.position).toBe(bytes.length);
    expect((result.error as { code?: string }).code).toBe('ECONNRESET');
    expect((await readFile(file)).equals(bytes)).toBe(true);
  });

  it('refuses bytes past the announced end (ERR_DOWNLOAD_SIZE), and a file that cannot be written (ERR_DOWNLOAD_WRITE)', async () => {
    const file = path.join(dir, 'x.part');
    const f = await countedFile(file);
    await expect(writeBody(Readable.from([randomBytes(5000)]), f.handle, 0, 4000, () => undefined, () => undefined, 's3://b/k.tif')).rejects.toMatchObject({
      code: 'ERR_DOWNLOAD_SIZE',
      href: 's3://b/k.tif',
      message: expect.stringMatching(/^s3:\/\/b\/k\.tif: the server sent more bytes than announced \(past byte 4000\)/),
    });
    await f.close();
    const readOnly = await countedFile(file, 'r');
    await expect(writeBody(Readable.from([randomBytes(100_000)]), readOnly.handle, 0, undefined, () => undefined, () => undefined)).rejects.toMatchObject({
      code: 'ERR_DOWNLOAD_WRITE',
      message: expect.stringContaining('cannot write'),
    });
    // Small chunks: the failing write is one of a batch, started while the next batch fills.
    await expect(writeBody(Readable.from(chunksOf(randomBytes(1_000_000), 16 * 1024)), readOnly.handle, 0, undefined, () => undefined, () => undefined)).rejects.toMatchObject({
      code: 'ERR_DOWNLOAD_WRITE',
    });
    await readOnly.close();
  });
});
