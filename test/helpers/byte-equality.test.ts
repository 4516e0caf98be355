import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

// test/helpers/byte-equality.ts (setupFilesAfterEnv): byte arrays compare by their bytes, with jest's verdicts.

const MiB = 1024 * 1024;
function bytes(length: number, seed = 0): Buffer {
  const buffer = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buffer[i] = (i * 31 + seed) % 251;
  return buffer;
}

describe('toEqual on byte arrays', () => {
  it('passes on the same bytes, from a file or from memory', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'stacflow-bytes-')), 'b.bin');
    await writeFile(file, bytes(1000));
    expect(await readFile(file)).toEqual(bytes(1000));
    expect(new Uint8Array(bytes(1000))).toEqual(new Uint8Array(bytes(1000)));
    expect({ body: bytes(10) }).toEqual({ body: bytes(10) });
  });

  it('fails on one byte changed, a byte more or a byte less', () => {
    const changed = bytes(1000);
    changed[999] ^= 1;
    expect(changed).not.toEqual(bytes(1000));
    expect(bytes(1001)).not.toEqual(bytes(1000));
    expect(bytes(999)).not.toEqual(bytes(1000));
    expect({ body: bytes(10, 1) }).not.toEqual({ body: bytes(10) });
    expect(() => expect(bytes(3, 1)).toEqual(bytes(3))).toThrow(/toEqual/);
  });

  it('keeps jest\'s verdicts across classes: a Buffer equals a Uint8Array, strictly it does not', () => {
    expect(bytes(100)).toEqual(new Uint8Array(bytes(100)));
    expect(bytes(100)).not.toStrictEqual(new Uint8Array(bytes(100)));
    expect(new Uint8Array(bytes(100))).not.toEqual(new Uint16Array(100));
  });

  // That it is fast (jest alone walks 4 MiB index by index: ~20 s of CPU) is a benchmark's question, not a
  // test's; that both projects use it is checked by test/repo/test-projects.test.ts.
  it('compares large arrays, and finds the one byte that differs at the end', () => {
    const changed = bytes(4 * MiB);
    changed[4 * MiB - 1] ^= 1;
    expect(bytes(4 * MiB)).toEqual(bytes(4 * MiB));
    expect(changed).not.toEqual(bytes(4 * MiB));
  });
});
