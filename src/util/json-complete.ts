/**
 * Whether `bytes` hold a whole JSON object or array, judged by its brackets alone: the first `{` or `[` closed
 * again, no string left open in between. It does not validate (a parse does that later, and reports what
 * follows the close); it tells a body that was cut short from one that ended. Used where HTTP itself
 * cannot tell: a body delimited by the connection's close (no Content-Length, not chunked) that ends early
 * looks like a whole answer. A text that does not start with `{` or `[` (a number, a string) cannot be judged
 * and counts as whole.
 */
export function jsonLooksComplete(bytes: Buffer): boolean {
  let i = skipSpace(bytes, 0);
  if (i >= bytes.length) return false; // nothing at all came
  if (bytes[i] !== OPEN_BRACE && bytes[i] !== OPEN_BRACKET) return true;
  let depth = 0;
  for (; i < bytes.length; i += 1) {
    const c = bytes[i];
    if (c === QUOTE) {
      const end = stringEnd(bytes, i);
      if (end < 0) return false;
      i = end - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) return true;
    }
  }
  return false;
}

/** JSON's structural bytes (page-text.ts reads pages with them too). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;

/** Index of the first byte at or after `i` that is not JSON white space (the length at the end). */
export function skipSpace(text: Buffer, i: number): number {
  for (;;) {
    const c = text[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i += 1;
  }
}

/** Index after the closing quote of the JSON string opening at `i`, or -1 when it never closes. */
export function stringEnd(text: Buffer, i: number): number {
  let from = i + 1;
  for (;;) {
    const quote = text.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let slashes = 0;
    while (text[quote - 1 - slashes] === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}
