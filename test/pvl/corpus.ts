import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The PVL conformance corpus (test/fixtures/pvl-corpus, copied from shared/pvl-corpus; see its README): inputs, the reference parser's
 * canonical results, and the comparison rules (sets as sorted lists, the `empty` tag only, only the
 * presence of an error).
 */
export const CORPUS = process.env.PVL_CORPUS ?? path.resolve(import.meta.dirname, '../fixtures/pvl-corpus');

export interface CorpusFile {
  /** Path under inputs/, e.g. `isis-caminfo/x.pvl`. */
  readonly input: string;
  readonly bytes: number;
  readonly chars: number;
  readonly decoding: 'utf-8' | 'ascii-prefix';
  readonly status: 'ok' | 'error';
}

export interface Expected {
  input: { decoding: string; chars: number };
  module?: unknown[];
  error?: string;
}

export function corpusFiles(): CorpusFile[] {
  const manifest = JSON.parse(readFileSync(path.join(CORPUS, 'manifest.json'), 'utf8')) as { files: CorpusFile[] };
  return manifest.files;
}

export const readInput = (file: CorpusFile): Uint8Array => readFileSync(path.join(CORPUS, 'inputs', file.input));

export const readExpected = (file: CorpusFile): Expected =>
  JSON.parse(readFileSync(path.join(CORPUS, 'expected', `${file.input}.json`), 'utf8')) as Expected;

/** Canonical JSON made comparable: sets sorted, `{"empty": line}` reduced to its tag. */
export function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === 'empty') return { empty: true };
  if (keys.length === 1 && keys[0] === 'set' && Array.isArray(record.set)) {
    const items = record.set.map(comparable);
    return { set: items.map((v) => [JSON.stringify(v), v] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v) };
  }
  return Object.fromEntries(keys.map((k) => [k, comparable(record[k])]));
}

/** The first place two canonical structures differ, as a path and both sides, for messages. */
export function firstDifference(ours: unknown, theirs: unknown, at = ''): string | undefined {
  if (JSON.stringify(ours) === JSON.stringify(theirs)) return undefined;
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    for (let i = 0; i < Math.max(ours.length, theirs.length); i += 1) {
      const d = firstDifference(ours[i], theirs[i], `${at}[${i}]`);
      if (d) return d;
    }
  } else if (ours && theirs && typeof ours === 'object' && typeof theirs === 'object') {
    const keys = new Set([...Object.keys(ours), ...Object.keys(theirs)]);
    for (const k of keys) {
      const d = firstDifference((ours as Record<string, unknown>)[k], (theirs as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at || '(top)'}: ours ${JSON.stringify(ours)?.slice(0, 200)} vs reference ${JSON.stringify(theirs)?.slice(0, 200)}`;
}
