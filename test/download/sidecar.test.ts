import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { readSidecar, writeSidecar, type Sidecar } from '../../src/download/sidecar.js';
import { tempDir } from './fixture.js';

const partial = (parts_done: number[]): Sidecar => ({ stacflow_download: 1, state: 'partial', href: 's3://b/k', size: 100, etag: '"e"', part_size: 10, parts_done });

test('writes of one sidecar asked for at once run one at a time (they share the .tmp name): all succeed, the last asked for stays', async () => {
  const dir = await tempDir('sidecar-writes');
  const file = path.join(dir, 'a.tif');
  const writes = Array.from({ length: 20 }, (_, i) => writeSidecar(file, partial(Array.from({ length: i + 1 }, (_, j) => j))));
  await expect(Promise.all(writes)).resolves.toHaveLength(20);
  expect((await readSidecar(file))?.parts_done).toHaveLength(20);
  expect(await readdir(dir)).toEqual(['.a.tif.stacflow.json']);
});

test('a failed write does not stop the writes queued behind it', async () => {
  const dir = await tempDir('sidecar-fail');
  const file = path.join(dir, 'later', 'a.tif');
  // The folder is missing: the first write fails, the second, queued behind it, too (on its own).
  const [first, second] = await Promise.allSettled([writeSidecar(file, partial([0])), writeSidecar(file, partial([1]))]);
  expect([first.status, second.status]).toEqual(['rejected', 'rejected']);
  await mkdir(path.dirname(file));
  await writeSidecar(file, partial([2]));
  expect((await readSidecar(file))?.parts_done).toEqual([2]);
});
