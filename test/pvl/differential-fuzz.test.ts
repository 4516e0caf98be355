import path from 'node:path';
import { compareParsers } from './differential-compare.js';
import { CAMINFO_DIRS, CORPUS, corpusInputs, fuzzInputs } from './differential-inputs.js';

/**
 * The fast parser against the grammar on fuzzed labels: windows of corpus labels with seeded random
 * insertions and deletions of what PVL's syntax hinges on (quotes, =, brackets, units, continuations,
 * comments, digits, block words). Same seed, same inputs, every run. PVL_FUZZ_CASES=20000 fuzzes more.
 */
const CASES = Number(process.env.PVL_FUZZ_CASES ?? 3000);
const TIMEOUT_MS = 15 * 60_000;

const caminfo = CAMINFO_DIRS.flatMap((dir) => corpusInputs(dir));
const corpus = corpusInputs(CORPUS);

describe('fast parser vs grammar on fuzzed labels', () => {
  it(`agrees on ${Math.ceil(CASES / 2)} mutations of caminfo labels`, () => {
    const inputs = fuzzInputs(caminfo, Math.ceil(CASES / 2), 1);
    const result = compareParsers(inputs);
    expect(result.disagreements).toEqual([]);
    expect(result.fallbacks).toEqual([]);
    // Mutations must leave both outcomes common, or the fuzzing tests little.
    expect(result.agree).toBeGreaterThan(inputs.length / 5);
    expect(result.bothReject).toBeGreaterThan(inputs.length / 5);
  }, TIMEOUT_MS);

  it(`agrees on ${Math.floor(CASES / 2)} mutations of other corpus labels`, () => {
    const others = corpus.filter((input) => !input.id.startsWith(`isis-caminfo${path.sep}`));
    const inputs = fuzzInputs(others, Math.floor(CASES / 2), 2);
    const result = compareParsers(inputs);
    expect(result.disagreements).toEqual([]);
    expect(result.fallbacks).toEqual([]);
    expect(result.agree).toBeGreaterThan(inputs.length / 5);
    expect(result.bothReject).toBeGreaterThan(inputs.length / 5);
  }, TIMEOUT_MS);
});
