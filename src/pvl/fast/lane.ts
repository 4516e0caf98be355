import type { PvlValue } from '../model.js';
import { nameUnitsEnd } from './chars.js';
import { plainDecimal, plainDecimalValue } from './decimal.js';
import { numberOrDate, scalarToken, Token, tokenKind } from './scalars.js';
import { quotedAt, symbol, tokenValue } from './values.js';
import { reservedWord } from './words.js';

/**
 * The fast lane: the statement shape nearly every line of a label has, `Name = value` with the value on
 * the same line, the name an ASCII word, the value a plain decimal number (decimal.ts), another number, a
 * date or time, TRUE/FALSE/NULL, a quoted string or a symbol. One pass over the text's code units, no rule
 * asked twice about the same offset.
 *
 * `laneAssignment` answers where the value ends (the name's end and the value in `laneRead`), or -1 as soon
 * as anything is unusual (a name not starting with an ASCII letter, `=` on another line, a comment, a list,
 * a based integer...): the parser's rules then decide from the same offset, nothing here having changed
 * their state. The parser still reads what follows the value (units, `;`) and, after a word, makes sure no
 * `=` follows it (`KEY = NEXT = 1`: NEXT is then the next statement's name, and KEY has no value).
 *
 * Called where no reserved word starts (the parser has looked): a name that is an ASCII word is then
 * never a number, a date or a reserved word, so `name` is `nameChar+ wordEnd` there.
 */
export const laneRead: { nameEnd: number; value: PvlValue | undefined; word: boolean; quoted: boolean } = {
  nameEnd: 0,
  value: undefined,
  word: false,
  quoted: false,
};

const TAB = 0x09;
const SPACE = 0x20;
const DQUOTE = 0x22;
const HASH = 0x23;
const QUOTE = 0x27;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const EQ = 0x3d;

/** A..Z or a..z. */
const isAsciiLetter = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;

/** `s` is the text, `u` its code units (code-units.ts), `q` where a statement starts. */
export function laneAssignment(s: string, u: Uint16Array, q: number): number {
  if (!isAsciiLetter(u[q])) return -1;
  const nameEnd = nameUnitsEnd(u, q + 1);
  // `=` after blanks on the same line (a `#` right after the name fails here, as wordEnd does).
  let t = nameEnd;
  while (u[t] === SPACE || u[t] === TAB) t += 1;
  if (u[t] !== EQ) return -1;
  let v = t + 1;
  while (u[v] === SPACE || u[v] === TAB) v += 1;
  const c = u[v];
  let end: number;
  let value: PvlValue;
  let word = false;
  let isQuoted = false;
  if ((c >= 0x30 && c <= 0x39) || c === MINUS || c === PLUS || c === DOT) {
    end = plainDecimal(u, s.length, v);
    const plain = end < 0 ? undefined : plainDecimalValue(s.slice(v, end));
    if (plain !== undefined) value = plain;
    else {
      // scalarToken's number or date (`5-3` is a symbol: declined; a based integer's digits may need the semantics).
      end = numberOrDate(s, v);
      if (end < 0 || tokenKind === Token.BasedInteger) return -1;
      value = tokenValue(tokenKind, s.slice(v, end));
    }
  } else if (c === DQUOTE || c === QUOTE) {
    const close = s.indexOf(c === DQUOTE ? '"' : "'", v + 1);
    if (close < 0) return -1;
    end = close + 1;
    value = quotedAt(s, u, v + 1, close);
    isQuoted = true;
  } else if (isAsciiLetter(c)) {
    // `scalarToken | symbol`: TRUE, FALSE, NULL or a symbol, and not a reserved word (`X = END`: declined).
    end = nameUnitsEnd(u, v + 1);
    if (u[end] === HASH || reservedWord(s, u, v) >= 0) return -1;
    const length = end - v;
    value = (length === 4 || length === 5) && scalarToken(s, v) === end ? tokenValue(tokenKind, s.slice(v, end)) : symbol(s.slice(v, end));
    word = true;
  } else return -1;
  laneRead.nameEnd = nameEnd;
  laneRead.value = value;
  laneRead.word = word;
  laneRead.quoted = isQuoted;
  return end;
}
