import path from 'node:path';
import { compareParsers } from './differential-compare.js';
import { CORPUS, corpusInputs, LARGE_CORPUS_FOLDERS, listFiles } from './differential-inputs.js';

/**
 * differential.test.ts on the corpus's two largest folders: the fast parser against the grammar, both build the
 * same model or both reject, never the fallback. The grammar takes minutes on them (isis3/ ~150 s of CPU), so
 * this file is in the slow jest project (`npm run test:all`).
 */
const ONE_FOLDER_MS = 15 * 60_000;

describe('fast parser vs grammar on the corpus (largest folders)', () => {
  it.each(LARGE_CORPUS_FOLDERS)('agrees on %s/', (folder) => {
    const result = compareParsers(corpusInputs(path.join(CORPUS, folder)));
    expect(result.disagreements).toEqual([]);
    expect(result.fallbacks).toEqual([]);
    expect(result.agree + result.bothReject).toBe(listFiles(path.join(CORPUS, folder)).length);
  }, ONE_FOLDER_MS);
});
