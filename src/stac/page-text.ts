import { CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACE, OPEN_BRACKET, QUOTE, skipSpace, stringEnd } from '../util/json-complete.js';

/**
 * A search page (an ItemCollection) read lazily from its bytes: the envelope (links, numberMatched, context)
 * is parsed when the page arrives, each feature only when it is taken.
 *
 * Why (measured, bench/ and README): a page of 100 Kaguya items is ~0.85 MB. Decoded whole, it is a string
 * too big for V8's young generation, allocated straight into old space and freed only by a full GC; parsed
 * whole, its ~1.2 MB of items wait a page's time (the source fetches one page ahead) and get promoted too. Both
 * made most of the pipeline's peak RSS. Kept as bytes (outside the JS heap, never traced), a page costs its
 * size once; each item is decoded and parsed right before it is emitted, and dies young.
 *
 * `splitFeatures` scans the bytes once for the top-level `features` array and the bounds of its elements.
 * Scanning UTF-8 bytes is safe: every byte of a multi-byte character is >= 0x80, never a JSON delimiter. It
 * understands just enough JSON for that (strings with escapes, nesting); anything it does not expect returns
 * undefined and the caller parses the page whole, so a malformed page gets JSON.parse's own error.
 */

export interface SplitPage {
  /** The page without its features (`"features": []`), parsed. */
  readonly envelope: Record<string, unknown>;
  /** Number of features. */
  readonly count: number;
  /** The text of feature `index` (0-based): a JSON value, not yet parsed. */
  featureText(index: number): string;
  /** Where feature `index` is in the page's bytes: [start, end). */
  featureSpan(index: number): readonly [number, number];
}

const COMMA = 0x2c;
const COLON = 0x3a;
const FEATURES_KEY = Buffer.from('"features"');

export function splitFeatures(text: Buffer): SplitPage | undefined {
  let features: { start: number; end: number; bounds: number[] } | undefined;
  let i = skipSpace(text, 0);
  if (text[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(text, i + 1);
  while (text[i] === QUOTE) {
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    const isFeatures = keyEnd - i === FEATURES_KEY.length && FEATURES_KEY.equals(text.subarray(i, keyEnd));
    i = skipSpace(text, keyEnd);
    if (text[i] !== COLON) return undefined;
    i = skipSpace(text, i + 1);
    if (isFeatures) {
      // A second "features" key would win in JSON.parse: let the whole parse decide.
      if (features) return undefined;
      features = elementBounds(text, i);
      if (!features) return undefined;
      i = features.end;
    } else {
      i = valueEnd(text, i);
      if (i < 0) return undefined;
    }
    i = skipSpace(text, i);
    if (text[i] !== COMMA) break;
    i = skipSpace(text, i + 1);
  }
  if (!features || text[i] !== CLOSE_BRACE) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(`${text.toString('utf8', 0, features.start)}[]${text.toString('utf8', features.end)}`);
  } catch {
    return undefined;
  }
  const { bounds } = features;
  return {
    envelope: envelope as Record<string, unknown>,
    count: bounds.length / 2,
    featureText: (index) => text.toString('utf8', bounds[2 * index], bounds[2 * index + 1]),
    featureSpan: (index) => [bounds[2 * index], bounds[2 * index + 1]],
  };
}

/** The array starting at `start` (`[`): where it ends (after `]`) and the bounds of its elements. */
function elementBounds(text: Buffer, start: number): { start: number; end: number; bounds: number[] } | undefined {
  if (text[start] !== OPEN_BRACKET) return undefined;
  const bounds: number[] = [];
  let i = skipSpace(text, start + 1);
  if (text[i] !== CLOSE_BRACKET) {
    for (;;) {
      const end = valueEnd(text, i);
      if (end < 0) return undefined;
      bounds.push(i, end);
      i = skipSpace(text, end);
      const c = text[i];
      if (c === CLOSE_BRACKET) break;
      if (c !== COMMA) return undefined;
      i = skipSpace(text, i + 1);
    }
  }
  return { start, end: i + 1, bounds };
}

/** Index after the JSON value starting at `i` (object, array, string, number, literal), or -1. */
function valueEnd(text: Buffer, i: number): number {
  const first = text[i];
  if (first === QUOTE) return stringEnd(text, i);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number or literal: up to the next delimiter (JSON.parse of the value checks it).
    let j = i;
    for (;;) {
      const c = text[j];
      if (c === undefined || c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break;
      j += 1;
    }
    return j > i ? j : -1;
  }
  let depth = 0;
  for (let j = i; j < text.length; j += 1) {
    const c = text[j];
    if (c === QUOTE) {
      const end = stringEnd(text, j);
      if (end < 0) return -1;
      j = end - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) return j + 1;
    }
  }
  return -1;
}
