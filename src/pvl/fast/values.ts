import { makeDate, makeDateTime, makeTime } from '../dates.js';
import type { PvlInteger, PvlString, PvlValue } from '../model.js';
import { Token } from './scalars.js';

/**
 * Token text → model value, exactly as the grammar's semantics (semantics.ts) build it. Dates and times go
 * through the same functions (dates.ts); the rest is restated here because semantics.ts keeps it private.
 */

/** Thrown when the semantics would reject what the grammar matched (a digit outside its radix): the fast
 * parser gives up and the grammar reports the error. */
export const DEFER = Symbol('defer to the grammar');

// Python's str.split()/strip() white space, as in semantics.ts: runs fold to one space in quoted strings.
// Only the runs that are not already one space are replaced (a footprint's hundreds of single spaces are not).
const WHITE_RUN_TO_FOLD = /[\t\n\r\v\f][ \t\n\r\v\f]*| [ \t\n\r\v\f]+/g;
/** Above this length the fold runs as a loop: a regex replace keeps a record per match (~20× a long string's size). */
const FOLD_BY_LOOP = 4096;
function foldWhite(text: string): string {
  const folded = text.length > FOLD_BY_LOOP ? foldWhiteLoop(text) : text.replace(WHITE_RUN_TO_FOLD, ' ');
  // Then one space off each end, as strip() leaves it (a regex anchored at the end would scan the whole text).
  const start = folded.charCodeAt(0) === 0x20 ? 1 : 0;
  let end = folded.length;
  if (end > start && folded.charCodeAt(end - 1) === 0x20) end -= 1;
  return start === 0 && end === folded.length ? folded : folded.slice(start, end);
}

const isWhite = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** The same fold into one array of UTF-16 code units (lone surrogates kept), turned into text in slices. */
function foldWhiteLoop(text: string): string {
  const units = new Uint16Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (!isWhite(c)) units[n++] = c;
    else if (i === 0 || !isWhite(text.charCodeAt(i - 1))) units[n++] = 0x20;
  }
  const SLICE = 8192;
  const parts: string[] = [];
  for (let at = 0; at < n; at += SLICE) parts.push(String.fromCharCode(...units.subarray(at, Math.min(n, at + SLICE))));
  return parts.join('');
}
/** Units' text without its outer white space (`<meters>` has none: no regex asked). */
export const trimWhite = (text: string): string =>
  isWhite(text.charCodeAt(0)) || isWhite(text.charCodeAt(text.length - 1)) ? text.replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '') : text;

/**
 * The value of the quoted string whose content is `s.slice(from, to)`, read in the text's code units `u`
 * (code-units.ts): one loop folds and trims the white space into bytes, decoded in one call to one flat
 * string (a regex replace made a rope of a piece per run, flattened later: a footprint's fold left 3 times
 * its size in garbage). Text that needs no fold is a slice; a character above U+00FF (no byte holds it)
 * sends the string to foldWhite.
 */
export function quotedAt(s: string, u: Uint16Array, from: number, to: number): PvlString {
  return { type: 'string', value: foldedUnits(s, u, from, to) ?? foldWhite(s.slice(from, to)), quoted: true };
}

/** Bytes for folded text up to this size are reused; a longer string gets its own (then garbage). */
const SHARED_FOLD_BYTES = 1 << 16;
let sharedFoldBytes: Buffer | undefined;

function foldedUnits(s: string, u: Uint16Array, from: number, to: number): string | undefined {
  const out = to - from <= SHARED_FOLD_BYTES ? (sharedFoldBytes ??= Buffer.allocUnsafeSlow(SHARED_FOLD_BYTES)) : Buffer.allocUnsafeSlow(to - from);
  let n = 0;
  // Whether the text differs from its fold: anything but one space between two words does.
  let changed = false;
  let i = from;
  while (i < to) {
    let c = u[i];
    // A word (nothing below "!" in it), copied.
    while (c > 0x20 && i < to) {
      if (c > 0xff) return undefined;
      out[n++] = c;
      c = u[++i];
    }
    if (i >= to) break;
    if (!isWhite(c)) {
      // A control character: kept as it is.
      out[n++] = c;
      i += 1;
      continue;
    }
    // A white-space run: one space between words, none at the ends.
    const run = i;
    do c = u[++i];
    while (i < to && isWhite(c));
    if (i - run > 1 || u[run] !== 0x20 || n === 0 || i >= to) changed = true;
    if (n > 0 && i < to) out[n++] = 0x20;
  }
  return changed ? out.toString('latin1', 0, n) : s.slice(from, to);
}

export const symbol = (text: string): PvlString => ({ type: 'string', value: text, quoted: false });

/** The value of a scalarToken's text, by the alternative that matched it. */
export function tokenValue(kind: Token, text: string): PvlValue {
  switch (kind) {
    case Token.Real:
      return { type: 'real', value: Number(text), text };
    case Token.Integer:
      return integer(text);
    case Token.BasedInteger:
      return based(text);
    case Token.DateTime:
      return makeDateTime(text) ?? symbol(text);
    case Token.Date:
      return makeDate(text) ?? symbol(text);
    case Token.Time:
      return makeTime(text) ?? symbol(text);
    case Token.Boolean:
      return { type: 'boolean', value: text.toUpperCase() === 'TRUE' };
    case Token.Null:
      return { type: 'null' };
  }
}

/** `sign? digit+`: up to 15 characters a Number is exact; beyond, BigInt as the semantics do. */
function integer(text: string): PvlInteger {
  if (text.length <= 15) {
    const value = Number(text);
    // Number('-0') is -0; BigInt gives 0.
    const exact = value === 0 ? 0 : value;
    return { type: 'integer', value: exact, decimal: String(exact) };
  }
  const exact = BigInt(text);
  return { type: 'integer', value: Number(exact), decimal: exact.toString() };
}

const BASED = /^([+-]?)(\d+)#([+-]?)([0-9A-Za-z]+)#$/;
const DIGIT_VALUES = '0123456789abcdef';

/** `16#-4B#`, `-2#1010#`: digits checked against the radix; anything else defers to the grammar's semantics. */
function based(text: string): PvlInteger {
  const m = BASED.exec(text);
  if (!m) throw DEFER; // letters beyond ASCII: let the semantics decide
  const radix = Number(m[2]);
  const sign = m[1] || m[3];
  const lower = m[4].toLowerCase();
  let exact = 0n;
  for (let i = 0; i < lower.length; i += 1) {
    const d = DIGIT_VALUES.indexOf(lower[i]);
    if (d < 0 || d >= radix) throw DEFER;
    exact = exact * BigInt(radix) + BigInt(d);
  }
  if (sign === '-') exact = -exact;
  return { type: 'integer', value: Number(exact), decimal: exact.toString() };
}
