import path from 'node:path';
import { DownloadError } from '../../src/download/errors.js';
import { expandTarget, filenameOf, parseTargetTemplate, templateProblems, type TemplateValues } from '../../src/download/target-path.js';

const CWD = '/work/here';
const values = (over: Partial<TemplateValues> = {}): TemplateValues => ({ collection: 'c1', id: 'ID1', asset: 'image', filename: 'ID1.tif', ...over });
const expand = (to: string, over: Partial<TemplateValues> = {}) => expandTarget(parseTargetTemplate(to), values(over), { item: 'ID1', asset: 'image', href: 'https://h/x' }, CWD);

describe('the `to` template', () => {
  it('ends in / means + {filename}; relative to the working directory', () => {
    expect(expand('data/{collection}/{id}/')).toEqual({ path: 'data/c1/ID1/ID1.tif', absolute: '/work/here/data/c1/ID1/ID1.tif', root: '/work/here/data' });
  });

  it('fills every placeholder, absolute templates stay absolute', () => {
    expect(expand('/srv/{collection}/{id}_{asset}.tif').absolute).toBe('/srv/c1/ID1_image.tif');
  });

  it('has a root: its fixed leading folder', () => {
    expect(parseTargetTemplate('data/{collection}/{id}/').root).toBe('data/');
    expect(parseTargetTemplate('out/img_{id}.tif').root).toBe('out/');
    expect(parseTargetTemplate('{id}.tif').root).toBe('');
  });

  it('reports unknown placeholders and unbalanced braces', () => {
    expect(templateProblems('data/{ID}/')).toEqual([expect.stringContaining('unknown placeholder {ID}')]);
    expect(templateProblems('data/{id/')).toEqual([expect.stringContaining('unbalanced')]);
    expect(templateProblems('data/{id}/')).toEqual([]);
  });
});

describe('path safety', () => {
  it.each([
    ['a .. segment in the id', { id: '../../etc' }, "'..' segment"],
    ['a .. inside a collection path', { collection: 'a/../../b' }, "'..' segment"],
    ['an absolute id', { id: '/etc/passwd' }, 'absolute path'],
    ['an empty segment', { collection: 'a//b' }, 'empty path segment'],
    ['a NUL in the id', { id: 'ID\u0000x' }, 'control character'],
    ['a newline in the filename', { filename: 'a\nb.tif' }, 'control character'],
    ['a backslash', { id: '..\\..\\x' }, 'backslash'],
    ['a . segment', { id: '.' }, "'.' segment"],
    ['an empty collection', { collection: '' }, 'collection is empty'],
    ['a filename of ..', { filename: '..' }, "'..' segment"],
  ])('refuses %s, naming the item, the asset and the value', (_name, over, reason) => {
    let error: unknown;
    try {
      expand('data/{collection}/{id}/', over);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DownloadError);
    const e = error as DownloadError;
    expect(e.code).toBe('ERR_DOWNLOAD_PATH');
    expect(e.message).toContain('item "ID1", asset "image"');
    expect(e.message).toContain(reason);
    const value = Object.values(over)[0] as string;
    if (value !== '') expect(e.message).toContain(JSON.stringify(value));
  });

  it('a literal .. in the template itself stays allowed when the result is inside the root', () => {
    expect(expand('data/{id}/../{id}.tif').absolute).toBe(path.resolve(CWD, 'data/ID1.tif'));
  });
});

describe('names too long for the file system', () => {
  const refusal = (to: string, over: Partial<TemplateValues>): DownloadError => {
    try {
      expand(to, over);
    } catch (err) {
      return err as DownloadError;
    }
    throw new Error('expected a refusal');
  };

  it('refuses a file name over 255 bytes less its sidecar suffix, naming the item, the asset and the value', () => {
    const id = 'x'.repeat(300);
    const e = refusal('data/{collection}/{id}.tif', { id });
    expect(e).toBeInstanceOf(DownloadError);
    expect(e.code).toBe('ERR_DOWNLOAD_PATH');
    expect(e.message).toContain('item "ID1", asset "image"');
    expect(e.message).toMatch(/the file name "x+….* is 304 bytes, more than the 236 a file name may have/);
    expect(e.message).toContain('from the item id "xxxx');
    expect(e.message).toContain('(300 bytes)');
  });

  it('counts bytes, not characters: 100 three-byte characters are 300 bytes', () => {
    const e = refusal('data/{collection}/{id}/', { id: '\u6587'.repeat(100), filename: 'a.tif' });
    expect(e.code).toBe('ERR_DOWNLOAD_PATH');
    expect(e.message).toContain('the folder name');
    expect(e.message).toContain('is 300 bytes, more than the 255');
  });

  it('accepts a file name that leaves room for its sidecar, and refuses one byte more', () => {
    expect(expand('data/{id}', { id: 'y'.repeat(236) }).path).toBe(`data/${'y'.repeat(236)}`);
    expect(refusal('data/{id}', { id: 'y'.repeat(237) }).code).toBe('ERR_DOWNLOAD_PATH');
  });

  it('refuses a whole path over PATH_MAX, naming the values it comes from', () => {
    const collection = Array.from({ length: 21 }, () => 'c'.repeat(200)).join('/');
    const e = refusal('data/{collection}/{id}/', { collection });
    expect(e.code).toBe('ERR_DOWNLOAD_PATH');
    expect(e.message).toMatch(/more than the 4095 bytes a path may have \(from the collection "c+…" \(4220 bytes\)/);
  });
});

describe('{filename}', () => {
  it('is the last segment of the path, decoded once', () => {
    expect(filenameOf('https://example.com/a/b/my%20file.tif?x=1#f')).toBe('my file.tif');
    expect(filenameOf('https://example.com/a/%252e.tif')).toBe('%2e.tif');
    expect(filenameOf('https://b.s3.amazonaws.com/k/x.tif', 'k/x.tif')).toBe('x.tif');
    expect(filenameOf('https://example.com/a/')).toBeUndefined();
  });
});
