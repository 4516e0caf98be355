import { isDigit, isWordEnd, matchAlnum, matchWord } from './chars.js';

/**
 * The lexical rules of pvl.ohm's scalarToken, each a function of (text, offset) returning the end offset of
 * its match or -1, tried in the grammar's order with the grammar's (PEG) semantics: the first alternative
 * that matches wins, an optional part that fails consumes nothing, and nothing is retried after a later
 * part fails.
 */

/** Which alternative of scalarToken matched (set by scalarToken). */
export const Token = {
  BasedInteger: 1,
  Real: 2,
  Integer: 3,
  DateTime: 4,
  Date: 5,
  Time: 6,
  Boolean: 7,
  Null: 8,
} as const;
export type Token = (typeof Token)[keyof typeof Token];

const PLUS = 0x2b;
const MINUS = 0x2d;
const HASH = 0x23;
const DOT = 0x2e;
const COLON = 0x3a;

const isSign = (c: number): boolean => c === PLUS || c === MINUS;

/** `digit+` from p: end or -1. */
function digits(s: string, p: number): number {
  let q = p;
  while (isDigit(s.charCodeAt(q))) q += 1;
  return q === p ? -1 : q;
}

/** `radix = "1" "0".."6" | "2".."9"` */
function radix(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if (c === 0x31) {
    const d = s.charCodeAt(p + 1);
    return d >= 0x30 && d <= 0x36 ? p + 2 : -1;
  }
  return c >= 0x32 && c <= 0x39 ? p + 1 : -1;
}

/** `alnum+ "#"` from p: the end after `#`, or -1. */
function basedDigits(s: string, p: number): number {
  let q = matchAlnum(s, p);
  if (q < 0) return -1;
  for (let r = matchAlnum(s, q); r >= 0; r = matchAlnum(s, q)) q = r;
  return s.charCodeAt(q) === HASH ? q + 1 : -1;
}

/** `basedInteger = sign radix "#" alnum+ "#" | radix "#" sign? alnum+ "#"` */
function basedInteger(s: string, p: number): number {
  if (isSign(s.charCodeAt(p))) {
    const r = radix(s, p + 1);
    if (r >= 0 && s.charCodeAt(r) === HASH) {
      const end = basedDigits(s, r + 1);
      if (end >= 0) return end;
    }
  }
  const r = radix(s, p);
  if (r < 0 || s.charCodeAt(r) !== HASH) return -1;
  let q = r + 1;
  if (isSign(s.charCodeAt(q))) q += 1;
  return basedDigits(s, q);
}

/** `exponent = ("e" | "E") sign? digit+` */
function exponent(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if (c !== 0x65 && c !== 0x45) return -1;
  let q = p + 1;
  if (isSign(s.charCodeAt(q))) q += 1;
  return digits(s, q);
}

/** `real = sign? digit+ "." digit* exponent? | sign? "." digit+ exponent? | sign? digit+ exponent` */
function real(s: string, p: number): number {
  const start = isSign(s.charCodeAt(p)) ? p + 1 : p;
  const whole = digits(s, start);
  if (whole >= 0 && s.charCodeAt(whole) === DOT) {
    let q = whole + 1;
    while (isDigit(s.charCodeAt(q))) q += 1;
    const e = exponent(s, q);
    return e >= 0 ? e : q;
  }
  if (s.charCodeAt(start) === DOT) {
    const q = digits(s, start + 1);
    if (q >= 0) {
      const e = exponent(s, q);
      return e >= 0 ? e : q;
    }
  }
  return whole >= 0 ? exponent(s, whole) : -1;
}

/** `integer = sign? digit+` */
function integer(s: string, p: number): number {
  return digits(s, isSign(s.charCodeAt(p)) ? p + 1 : p);
}

const inRange = (c: number, from: string, to: string): boolean => c >= from.charCodeAt(0) && c <= to.charCodeAt(0);

/** `date = year "-" month "-" day | year "-" dayOfYear` */
function date(s: string, p: number): number {
  for (let i = 0; i < 4; i += 1) if (!isDigit(s.charCodeAt(p + i))) return -1;
  if (s.charCodeAt(p + 4) !== MINUS) return -1;
  const m0 = s.charCodeAt(p + 5);
  const m1 = s.charCodeAt(p + 6);
  // month = "0" "1".."9" | "1" "0".."2"
  const month = (m0 === 0x30 && inRange(m1, '1', '9')) || (m0 === 0x31 && inRange(m1, '0', '2'));
  if (month && s.charCodeAt(p + 7) === MINUS) {
    const d0 = s.charCodeAt(p + 8);
    const d1 = s.charCodeAt(p + 9);
    // day = "0" "1".."9" | "1".."2" digit | "3" "0".."1"
    if ((d0 === 0x30 && inRange(d1, '1', '9')) || (inRange(d0, '1', '2') && isDigit(d1)) || (d0 === 0x33 && inRange(d1, '0', '1'))) {
      return p + 10;
    }
  }
  // dayOfYear = digit digit digit
  return isDigit(m0) && isDigit(m1) && isDigit(s.charCodeAt(p + 7)) ? p + 8 : -1;
}

/** `zone = caseInsensitive<"Z"> | sign digit digit? (":"? "0".."5" digit)?` */
function zone(s: string, p: number): number {
  if (matchWord(s, p, 'Z') >= 0) return p + 1;
  if (!isSign(s.charCodeAt(p)) || !isDigit(s.charCodeAt(p + 1))) return -1;
  let q = p + 2;
  if (isDigit(s.charCodeAt(q))) q += 1;
  const r = s.charCodeAt(q) === COLON ? q + 1 : q;
  return inRange(s.charCodeAt(r), '0', '5') && isDigit(s.charCodeAt(r + 1)) ? r + 2 : q;
}

/** `time = hour ":" minute (":" second)? zone?` */
function time(s: string, p: number): number {
  const h0 = s.charCodeAt(p);
  const h1 = s.charCodeAt(p + 1);
  // hour = "0".."1" digit | "2" "0".."3"
  if (!((inRange(h0, '0', '1') && isDigit(h1)) || (h0 === 0x32 && inRange(h1, '0', '3')))) return -1;
  if (s.charCodeAt(p + 2) !== COLON) return -1;
  // minute = "0".."5" digit
  if (!(inRange(s.charCodeAt(p + 3), '0', '5') && isDigit(s.charCodeAt(p + 4)))) return -1;
  let q = p + 5;
  if (s.charCodeAt(q) === COLON) {
    // second = ("0".."5" digit | "60") ("." digit+)?
    const s0 = s.charCodeAt(q + 1);
    const s1 = s.charCodeAt(q + 2);
    if ((inRange(s0, '0', '5') && isDigit(s1)) || (s0 === 0x36 && s1 === 0x30)) {
      q += 3;
      if (s.charCodeAt(q) === DOT) {
        const f = digits(s, q + 1);
        if (f >= 0) q = f;
      }
    }
  }
  const z = zone(s, q);
  return z >= 0 ? z : q;
}

/** `dateTime = date caseInsensitive<"T"> time` */
function dateTime(s: string, p: number): number {
  const d = date(s, p);
  if (d < 0 || matchWord(s, d, 'T') < 0) return -1;
  return time(s, d + 1);
}

/** The alternative scalarToken matched last. */
export let tokenKind: Token = Token.Integer as Token;

/** `numberToken = number wordEnd` (dateTimeToken ... alike): the end of the token when a word may end there, else -1. */
const token = (s: string, end: number): number => (end >= 0 && isWordEnd(s, end) ? end : -1);

/**
 * `numberOrDate = &("0".."9" | "+" | "-" | ".") (numberToken | dateTimeToken | dateToken | timeToken)` with
 * `number = basedInteger | real | integer`: the end offset (and `tokenKind`), or -1. Inside `number` the
 * choice is final (`12abc` is not retried as a shorter number); between the four, a failed wordEnd
 * moves on to the next (`2001-01-01` is not a number, so it is a date).
 */
export function numberOrDate(s: string, p: number): number {
  const c = s.charCodeAt(p);
  // Only digits, signs and `.` start a number, date or time.
  if (!(isDigit(c) || isSign(c) || c === DOT)) return -1;
  // A value is looked at twice (as a possible name, then as a value): remember the last answer.
  if (p === lastAt && s === lastText) {
    tokenKind = lastKind;
    return lastEnd;
  }
  let end: number;
  if ((end = token(s, number(s, p))) < 0) {
    if ((end = token(s, dateTime(s, p))) >= 0) tokenKind = Token.DateTime;
    else if ((end = token(s, date(s, p))) >= 0) tokenKind = Token.Date;
    else if ((end = token(s, time(s, p))) >= 0) tokenKind = Token.Time;
  }
  lastText = s;
  lastAt = p;
  lastEnd = end;
  lastKind = tokenKind;
  return end;
}

let lastText = '';
let lastAt = -1;
let lastEnd = -1;
let lastKind: Token = Token.Integer as Token;

/** Forget the remembered answer (with each new text, so that no old text is kept or compared). */
export function resetNumberOrDate(): void {
  lastText = '';
  lastAt = -1;
}

/** `scalarToken = numberOrDate | booleanToken | nullToken`: the end offset (and `tokenKind`), or -1. */
export function scalarToken(s: string, p: number): number {
  let end = numberOrDate(s, p);
  if (end >= 0) return end;
  if ((end = token(s, matchWord(s, p, 'TRUE'))) >= 0 || (end = token(s, matchWord(s, p, 'FALSE'))) >= 0) tokenKind = Token.Boolean;
  else if ((end = token(s, matchWord(s, p, 'NULL'))) >= 0) tokenKind = Token.Null;
  return end;
}

/** `number = basedInteger | real | integer` (sets tokenKind). */
function number(s: string, p: number): number {
  let end: number;
  if ((end = basedInteger(s, p)) >= 0) tokenKind = Token.BasedInteger;
  else if ((end = real(s, p)) >= 0) tokenKind = Token.Real;
  else if ((end = integer(s, p)) >= 0) tokenKind = Token.Integer;
  return end;
}
