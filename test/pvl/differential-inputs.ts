import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodePvlBytes } from '../../src/pvl/index.js';
import { seededRandom } from '../../src/util/seeded-random.js';

/**
 * Inputs for the differential tests (fast parser vs the ohm grammar): every file of the conformance corpus,
 * and seeded, deterministic mutations of corpus labels that stress what PVL's syntax hinges on.
 */
export const CORPUS = path.resolve(import.meta.dirname, '../fixtures/pvl-corpus/inputs');
/** The USGS caminfo labels (fixtures), and the sandbox's copies of them with two synthesized variants. */
export const USGS_CAMINFO_DIRS = [path.resolve(import.meta.dirname, '../fixtures/usgs/caminfo'), path.resolve(import.meta.dirname, '../../sandbox/data/caminfo')];
export const CAMINFO_DIRS = [path.join(CORPUS, 'isis-caminfo'), ...USGS_CAMINFO_DIRS];
/**
 * The corpus folders the grammar takes minutes on (ale/ ~20 s, isis3/ ~150 s of CPU): their differential test
 * is pvl/differential-large.test.ts, in the slow jest project; every other folder is in pvl/differential.test.ts.
 */
export const LARGE_CORPUS_FOLDERS = ['ale', 'isis3'];

export interface PvlInput {
  /** Path relative to the corpus (or a fuzz case's name). */
  readonly id: string;
  readonly text: string;
}

export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Every corpus input, decoded as the corpus says (decodePvlBytes). */
export function corpusInputs(dir = CORPUS): PvlInput[] {
  return listFiles(dir).map((file) => ({ id: path.relative(CORPUS, file), text: decodePvlBytes(readFileSync(file)).text }));
}

// seededRandom (mulberry32): every run fuzzes the same inputs.
export { seededRandom };

// What PVL's syntax hinges on: quotes, assignment, sequences, sets, units, continuation, comments, based
// integers, digits and signs (numbers vs dates vs symbols), block words, statement ends.
const INSERTS = [
  '"', "'", '=', '(', ')', '{', '}', '<', '>', '-\n', '/*', '*/', '#', ',', ';', '\n', ' ', '\t',
  '0', '1', '7', '9', '-', '+', '.', ':', 'E', 'e', 'T', 'Z', '_', '&', '^', '\\',
  'End_Group', 'End_Object', 'End', 'EndGroup', 'Group = X\n', 'Object = ', 'NULL', 'TRUE',
  '16#FF#', '2#-101#', '1990-158', '12:00:00', '2001-01-01T01:10:39.1234567Z', '1.E-3', '<KM>', '\u00e9',
];

/** One mutation of `text`: insert a significant token, delete a character or a short span, or duplicate a line. */
function mutate(text: string, random: () => number): string {
  const at = Math.floor(random() * (text.length + 1));
  const pick = random();
  if (pick < 0.55) {
    const token = INSERTS[Math.floor(random() * INSERTS.length)];
    return text.slice(0, at) + token + text.slice(at);
  }
  if (pick < 0.75) return text.slice(0, at) + text.slice(at + 1);
  if (pick < 0.9) {
    // Delete one significant character somewhere (a quote, a bracket, an `=`), which ruins structure.
    const chars = '"\'=(){}<>#-\n';
    const target = chars[Math.floor(random() * chars.length)];
    const found = text.indexOf(target, at);
    const i = found >= 0 ? found : text.lastIndexOf(target);
    return i < 0 ? text : text.slice(0, i) + text.slice(i + 1);
  }
  const span = 1 + Math.floor(random() * 12);
  return text.slice(0, at) + text.slice(at + span);
}

const BEGIN = /^\s*(begin_)?(object|group)\s*=/i;
const END = /^\s*end_?(object|group)\s*$/i;

/**
 * A window of whole lines (so mutations hit varied syntax while ohm stays fast on short inputs), with its
 * blocks balanced: an END_x without its start is dropped, a start without its END_x is closed at the end,
 * so that the unmutated window parses and the mutations decide.
 */
function window(text: string, random: () => number, maxLines: number): string {
  const lines = text.split('\n');
  if (lines.length <= maxLines) return text;
  const start = Math.floor(random() * (lines.length - maxLines));
  const open: string[] = [];
  const kept: string[] = [];
  for (const line of lines.slice(start, start + 1 + Math.floor(random() * maxLines))) {
    const begin = BEGIN.exec(line);
    const end = END.exec(line);
    if (begin) open.push(begin[2]);
    else if (end) {
      if (open.length === 0) continue;
      open.pop();
    }
    kept.push(line);
  }
  while (open.length > 0) kept.push(`End_${open.pop()}`);
  return kept.join('\n') + '\n';
}

/**
 * `count` fuzzed inputs from `seeds` (corpus labels): a window of up to `maxLines` lines of a seed with 1 to
 * 4 mutations. Same seed, same inputs.
 */
export function fuzzInputs(seeds: readonly PvlInput[], count: number, seed = 1, maxLines = 40): PvlInput[] {
  const random = seededRandom(seed);
  const out: PvlInput[] = [];
  for (let n = 0; n < count; n += 1) {
    const base = seeds[Math.floor(random() * seeds.length)];
    let text = window(base.text, random, maxLines);
    const mutations = 1 + Math.floor(random() * 4);
    for (let m = 0; m < mutations; m += 1) text = mutate(text, random);
    out.push({ id: `fuzz #${n} (seed ${seed}, from ${base.id})`, text });
  }
  return out;
}
