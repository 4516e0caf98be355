import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createExclusive, makeFolderInside, openExistingNoFollow, readSmallFileNoFollow, UnsafePathError } from '../../src/util/safe-fs.js';
import { isProcessAlive } from '../../src/util/stale-temps.js';

let dir: string;
let outside: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stacflow-safe-fs-'));
  outside = path.join(dir, 'outside');
  await mkdir(outside);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('makeFolderInside', () => {
  it('creates the root and the folders below it', async () => {
    await makeFolderInside(path.join(dir, 'root'), path.join(dir, 'root', 'a', 'b'));
    expect((await lstat(path.join(dir, 'root', 'a', 'b'))).isDirectory()).toBe(true);
  });

  it('refuses a folder link below the root, dangling or not, and creates nothing through it', async () => {
    const root = path.join(dir, 'root');
    await mkdir(root);
    await symlink(outside, path.join(root, 'a'));
    await symlink(path.join(dir, 'nowhere'), path.join(root, 'b'));
    await expect(makeFolderInside(root, path.join(root, 'a', 'x'))).rejects.toBeInstanceOf(UnsafePathError);
    await expect(makeFolderInside(root, path.join(root, 'b', 'x'))).rejects.toThrow(`${path.join(root, 'b')} is a symbolic link (to ${path.join(dir, 'nowhere')})`);
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(dir)).toEqual(['outside', 'root']);
  });

  it('refuses a folder outside the root', async () => {
    await expect(makeFolderInside(path.join(dir, 'root'), outside)).rejects.toThrow('is outside the root');
  });

  it('accepts a root that is itself a link (the user\'s choice)', async () => {
    const link = path.join(dir, 'data');
    await symlink(outside, link);
    await makeFolderInside(link, path.join(link, 'c'));
    expect((await lstat(path.join(outside, 'c'))).isDirectory()).toBe(true);
  });
});

describe('opening without following links', () => {
  it('createExclusive unlinks a link at the name (never its target) and creates a new file', async () => {
    const victim = path.join(outside, 'victim');
    await writeFile(victim, 'precious');
    const name = path.join(dir, 'tmp');
    await symlink(victim, name);
    const handle = await createExclusive(name);
    await handle.writeFile('mine');
    await handle.close();
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await lstat(name)).isFile()).toBe(true);
  });

  it('openExistingNoFollow refuses a link (ELOOP)', async () => {
    const name = path.join(dir, 'link');
    await writeFile(path.join(outside, 'f'), 'x');
    await symlink(path.join(outside, 'f'), name);
    await expect(openExistingNoFollow(name)).rejects.toMatchObject({ code: 'ELOOP' });
  });

  it('readSmallFileNoFollow reads a small file, and gives nothing for a link, a folder or a file over the limit', async () => {
    await writeFile(path.join(dir, 'small'), 'hello');
    await writeFile(path.join(dir, 'big'), 'x'.repeat(101));
    await symlink(path.join(dir, 'small'), path.join(dir, 'link'));
    expect(await readSmallFileNoFollow(path.join(dir, 'small'), 100)).toBe('hello');
    expect(await readSmallFileNoFollow(path.join(dir, 'big'), 100)).toBeUndefined();
    expect(await readSmallFileNoFollow(path.join(dir, 'link'), 100)).toBeUndefined();
    expect(await readSmallFileNoFollow(outside, 100)).toBeUndefined();
    expect(await readSmallFileNoFollow(path.join(dir, 'missing'), 100)).toBeUndefined();
  });
});

describe('isProcessAlive', () => {
  it('is true for this process and its parent, false for a pid that does not exist', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(process.ppid)).toBe(true);
    expect(isProcessAlive(2 ** 22 + 12345)).toBe(false); // above Linux's pid_max
  });
});
