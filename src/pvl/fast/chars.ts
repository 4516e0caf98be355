/**
 * Character tests of pvl.ohm, on UTF-16 code units of the (continuation-joined) text. Each function answers
 * exactly what the grammar's rule of the same name answers at that offset: the fast parser agrees with the
 * grammar because it asks the same questions, only cheaper.
 */

// Flags of the code units below 256.
/** A nameChar (unless `/` starts `/*` or `*` starts `*\/`). */
const NAME = 1;
/** whiteChar: " ", \t, \v, \f, \n, \r. */
const WHITE = 2;
/** hspace: " ", \t, \v, \f. */
const HSPACE = 4;

/** A nameChar whatever follows: NAME but `/` and `*`. */
const PLAIN_NAME = 8;

const FLAGS = new Uint8Array(256);
// nameChar = "a".."z" | "A".."Z" | "0".."9" | "_" | "." | "-" | ":" | "$" | "^" | "+" | "?" | "@" | "\\" | "`"
//          | "/" ~"*" | "*" ~"/" | "\u00A0".."\u{10FFFF}"
for (let c = 0; c < 256; c += 1) {
  const ch = String.fromCharCode(c);
  if (/[a-zA-Z0-9_.\-:$^+?@\\`/*]/.test(ch) || c >= 0xa0) FLAGS[c] = NAME;
}
for (let c = 0; c < 256; c += 1) if (FLAGS[c] === NAME && c !== 0x2f && c !== 0x2a) FLAGS[c] |= PLAIN_NAME;
for (const ch of ' \t\x0B\x0C') FLAGS[ch.charCodeAt(0)] = WHITE | HSPACE;
for (const ch of '\n\r') FLAGS[ch.charCodeAt(0)] = WHITE;

const SLASH = 0x2f;
const STAR = 0x2a;
const HASH = 0x23;
const NL = 0x0a;

/**
 * `nameChar = "a".."z" | "A".."Z" | "0".."9" | "_" | "." | "-" | ":" | "$" | "^" | "+" | "?" | "@" | "\\"
 * | "`" | "/" ~"*" | "*" ~"/" | "\u00A0".."\u{10FFFF}"` at `p` (false at the end): anything but white space,
 * control characters, comment marks and the reserved characters & < > ' { } , [ ] = ! # ( ) % " ; ~ |.
 * Every code unit from U+00A0 up is one (a surrogate pair is one code point in the range; so is a lone one).
 */
export function isNameChar(s: string, p: number): boolean {
  const c = s.charCodeAt(p);
  if (c >= 256) return true;
  if (c !== c || (FLAGS[c] & NAME) === 0) return false; // NaN: the end of the text
  if (c === SLASH) return s.charCodeAt(p + 1) !== STAR;
  if (c === STAR) return s.charCodeAt(p + 1) !== SLASH;
  return true;
}

/** `wordEnd = ~(nameChar | "#")`: a number, name or symbol ends here. */
export const isWordEnd = (s: string, p: number): boolean => !isNameChar(s, p) && s.charCodeAt(p) !== HASH;

/**
 * `nameChar*` from `p` in a text's code units (code-units.ts): where the run ends (`p` itself when there is
 * none). isNameChar in one loop: the zeros after the text stop it.
 */
export function nameUnitsEnd(u: Uint16Array, p: number): number {
  for (;;) {
    const c = u[p];
    if (c >= 256 || (FLAGS[c] & PLAIN_NAME) !== 0) p += 1;
    else if (c === SLASH ? u[p + 1] !== STAR : c === STAR && u[p + 1] !== SLASH) p += 1;
    else return p;
  }
}

export const isHSpace = (c: number): boolean => c < 256 && (FLAGS[c] & HSPACE) !== 0;
export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * Where the `/*` comment starting at `p` ends: `"/*" (~"*\/" any)* "*\/"` if a `*\/` follows anywhere,
 * otherwise `"/*" (~"\n" any)*` (the ISIS comment line). The last `*\/` search is remembered, so a text of
 * many unclosed comment lines is not searched to its end for each one.
 */
let closeFrom = -1;
let closeAt = -1;

/** Forget the remembered `*\/` search: call before scanning another text. */
export function resetCommentSearch(): void {
  closeFrom = -1;
  closeAt = -1;
}

function commentEnd(s: string, p: number): number {
  if (closeFrom < 0 || p + 2 < closeFrom || (closeAt >= 0 && p + 2 > closeAt)) {
    closeFrom = p + 2;
    closeAt = s.indexOf('*/', p + 2);
  }
  if (closeAt >= 0) return closeAt + 2;
  const nl = s.indexOf('\n', p + 2);
  return nl < 0 ? s.length : nl;
}

/** The line feeds the last skipSpaceUnits passed (counted on the way: the parser's line count needs them). */
export let skippedLineFeeds = 0;

/**
 * `spaces` (ohm's implicit skipping in syntactic rules): `(whiteChar | comment)*` from `p`, read in the
 * text's code units `u` (code-units.ts; `s` is the text, searched for a comment's end).
 */
export function skipSpaceUnits(u: Uint16Array, s: string, p: number): number {
  let lineFeeds = 0;
  for (;;) {
    const c = u[p];
    if (c === NL) {
      lineFeeds += 1;
      p += 1;
    } else if (c < 256 && (FLAGS[c] & WHITE) !== 0) p += 1;
    else if (c === SLASH && u[p + 1] === STAR) {
      const end = commentEnd(s, p);
      for (let i = p + 2; i < end; i += 1) if (u[i] === NL) lineFeeds += 1;
      p = end;
    } else if (c === HASH) {
      // The comment stops before its line feed.
      const nl = s.indexOf('\n', p + 1);
      p = nl < 0 ? s.length : nl;
    } else {
      skippedLineFeeds = lineFeeds;
      return p;
    }
  }
}

/** `&comment` at `p`: a comment starts here (either `/*` form always matches once `/*` is there). */
export const startsComment = (s: string, p: number): boolean => {
  const c = s.charCodeAt(p);
  return c === HASH || (c === SLASH && s.charCodeAt(p + 1) === STAR);
};

/** `lineEnd = "\n" | "\r" | end` at `p` (a lookahead: consumes nothing). */
export const atLineEnd = (s: string, p: number): boolean => {
  const c = s.charCodeAt(p);
  return c === NL || c === 0x0d || p >= s.length;
};

/**
 * ohm's caseInsensitive<"WORD"> at `p`: each code unit's toUpperCase() equals the word's (upper-case ASCII)
 * letter. Besides ASCII, only U+0131 (ı → I) and U+017F (ſ → S) upper-case to an ASCII letter.
 * Returns the end offset or -1.
 */
export function matchWord(s: string, p: number, upperWord: string): number {
  const n = upperWord.length;
  for (let i = 0; i < n; i += 1) {
    let c = s.charCodeAt(p + i);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    else if (c === 0x131) c = 0x49;
    else if (c === 0x17f) c = 0x53;
    if (c !== upperWord.charCodeAt(i)) return -1;
  }
  return p + n;
}

const LETTER = /^\p{L}$/u;

/**
 * `alnum = letter | digit` at `p` (letter: Unicode Ll, Lu, Lt, Lm or Lo, one code point): the end offset
 * or -1.
 */
export function matchAlnum(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return p + 1;
  if (c < 0x80 || c !== c) return -1;
  const cp = s.codePointAt(p) as number;
  const ch = String.fromCodePoint(cp);
  return LETTER.test(ch) ? p + ch.length : -1;
}
