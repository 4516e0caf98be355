import path from 'node:path';
import { compareParsers } from './differential-compare.js';
import { CORPUS, corpusInputs, LARGE_CORPUS_FOLDERS, listFiles, USGS_CAMINFO_DIRS } from './differential-inputs.js';

/**
 * The fast parser (src/pvl/fast/) against the grammar (pvl.ohm through parse.ts) on every file of the
 * conformance corpus: both build the same model, or both reject; the fast parser never needs the fallback.
 * The grammar is slow (about 0.1 MB/s): one test per folder, and the two largest folders (minutes) are in
 * differential-large.test.ts, in the slow jest project (`npm run test:all`).
 */
const ONE_FOLDER_MS = 15 * 60_000;

const allFolders = [...new Set(listFiles(CORPUS).map((file) => path.relative(CORPUS, file).split(path.sep)[0]))].sort();
const folders = allFolders.filter((folder) => !LARGE_CORPUS_FOLDERS.includes(folder));

describe('fast parser vs grammar on the corpus', () => {
  it('covers every corpus folder, here or in differential-large.test.ts', () => {
    expect(allFolders).toEqual(expect.arrayContaining(['ale', 'isis-caminfo', 'isis3', 'pvl-tests', 'pvl-tests-inline', 'spec']));
    expect(allFolders).toEqual(expect.arrayContaining(LARGE_CORPUS_FOLDERS));
    expect([...folders, ...LARGE_CORPUS_FOLDERS].sort()).toEqual(allFolders);
  });

  it.each(folders)('agrees on %s/', (folder) => {
    const result = compareParsers(corpusInputs(path.join(CORPUS, folder)));
    expect(result.disagreements).toEqual([]);
    expect(result.fallbacks).toEqual([]);
    expect(result.agree + result.bothReject).toBe(listFiles(path.join(CORPUS, folder)).length);
  }, ONE_FOLDER_MS);

  it.each(USGS_CAMINFO_DIRS)('parses every USGS caminfo label in %s as the grammar does, without fallback', (dir) => {
    const inputs = corpusInputs(dir);
    expect(compareParsers(inputs)).toEqual({ agree: inputs.length, bothReject: 0, fallbacks: [], disagreements: [] });
  });
});
