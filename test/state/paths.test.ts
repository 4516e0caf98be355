import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openStateStore } from '../../src/state/store.js';
import { tempDir } from './state-fixture.js';

/** SQLite follows links: the store refuses a state path through one before SQLite opens it. */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('paths');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('a state file that is a symbolic link is refused, named, and its target left alone', async () => {
  const target = path.join(dir, 'elsewhere.sqlite');
  await writeFile(target, 'precious');
  const file = path.join(dir, 'linked.sqlite');
  await symlink(target, file);
  const refused = openStateStore(file);
  await expect(refused).rejects.toMatchObject({ code: 'ERR_STATE_UNSAFE_PATH', errorClass: 'fatal', file });
  await expect(refused).rejects.toThrow(`state ${file}: ${file} is a symbolic link (to ${target}), which stacflow does not follow for its state`);
  expect(await readFile(target, 'utf8')).toBe('precious');
});

test('a link planted at the write-ahead log or its index is refused', async () => {
  for (const suffix of ['-wal', '-shm']) {
    const file = path.join(dir, `companion${suffix}.sqlite`);
    const target = path.join(dir, `victim${suffix}`);
    await writeFile(target, 'precious');
    await symlink(target, `${file}${suffix}`);
    await expect(openStateStore(file)).rejects.toThrow(`${file}${suffix} is a symbolic link`);
    expect(await readFile(target, 'utf8')).toBe('precious');
  }
});

test('a folder at the state path is refused', async () => {
  const file = path.join(dir, 'a-folder.sqlite');
  await mkdir(file);
  await expect(openStateStore(file)).rejects.toThrow(`${file} is not a regular file`);
});

test("under the pipeline's folder, a linked folder leading out of it is refused and nothing is created there", async () => {
  const root = path.join(dir, 'pipeline');
  const outside = path.join(dir, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await symlink(outside, path.join(root, '.stacflow'));
  const file = path.join(root, '.stacflow', 'state.sqlite');
  await expect(openStateStore(file, { root })).rejects.toMatchObject({ code: 'ERR_STATE_UNSAFE_PATH', message: expect.stringContaining('.stacflow is a symbolic link') });
  await expect(stat(path.join(outside, 'state.sqlite'))).rejects.toMatchObject({ code: 'ENOENT' });
});

test("folders are created: under the pipeline's folder, checked; elsewhere, as the user named them", async () => {
  const root = path.join(dir, 'pipeline2');
  const inside = await openStateStore(path.join(root, '.stacflow', 'nightly', 'state.sqlite'), { root });
  inside.close();
  const elsewhere = await openStateStore(path.join(dir, 'var', 'lib', 'state.sqlite'), { root });
  elsewhere.close();
  expect((await stat(path.join(root, '.stacflow', 'nightly', 'state.sqlite'))).isFile()).toBe(true);
  expect((await stat(path.join(dir, 'var', 'lib', 'state.sqlite'))).isFile()).toBe(true);
});
