/**
 * Whether `bytes` hold a whole JSON object or array, judged by its brackets alone: the first `{` or `[` closed
 * again, no string left open in between. It does not validate (a parse does that later, and reports what
 * follows the close); it tells a body that was cut short from one that ended. Used where HTTP itself
 * cannot tell: a body delimited by the connection's close (no Content-Length, not chunked) that ends early
 * looks like a whole answer. A text that does not start with `{` or `[` (a number, a string) cannot be judged
 * and counts as whole.
 */
export function jsonLooksComplete(bytes: Uint8Array): boolean {
  let i = skipWhite(bytes, 0);
  if (i >= bytes.length) return false; // nothing at all came
  if (bytes[i] !== OPEN_BRACE && bytes[i] !== OPEN_BRACKET) return true;
  let depth = 0;
  for (; i < bytes.length; i += 1) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      // To the closing quote; a backslash escapes the byte after it (multi-byte UTF-8 never contains `"` or `\`).
      for (i += 1; i < bytes.length && bytes[i] !== QUOTE; i += 1) if (bytes[i] === BACKSLASH) i += 1;
      if (i >= bytes.length) return false;
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

function skipWhite(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i += 1;
  return i;
}
