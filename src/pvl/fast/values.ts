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
const WHITE_RUN = /[ \t\n\r\v\f]+/g;
/** Above this length the fold runs as a loop: a regex replace keeps a record per match (~20× a long string's size). */
const FOLD_BY_LOOP = 4096;
function foldWhite(text: string): string {
  const folded = text.length > FOLD_BY_LOOP ? foldWhiteLoop(text) : text.replace(WHITE_RUN, ' ');
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
export const trimWhite = (text: string): string => text.replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');

const NEEDS_FOLD = /[\t\n\r\v\f]|  |^ | $/;

/** The value of a quoted string's content. */
export function quoted(inner: string): PvlString {
  return { type: 'string', value: NEEDS_FOLD.test(inner) ? foldWhite(inner) : inner, quoted: true };
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
