import type { PvlInteger, PvlReal } from '../model.js';

/**
 * The numbers labels are mostly made of (`4656`, `-38.1508960939`, `2328.0`), read in one pass with their
 * value, without asking numberOrDate's alternatives one after the other.
 *
 * `plainDecimal` takes `sign? digit+ ("." digit*)?` followed by white space, `<`, `;`, `,`, `)`, `}` or the end
 * of the text.
 * There numberOrDate's answer is certain: no based integer (no `#`), no exponent, no date or time (no `-`,
 * `:` or `T` after the digits), and wordEnd holds, so `numberToken` matches `real` (with a point) or
 * `integer`, to the same end. Anything else answers -1, and numberOrDate decides.
 *
 * The value is computed on the way when that is exact, else left to Number()/BigInt as values.ts does:
 * a real whose digits make an integer below 2^53, with at most 22 decimals, is `digits / 10^decimals`, one
 * correctly rounded division of two exact doubles: the double Number(text) gives (Clinger's fast path).
 */

/** What the last plainDecimal read: its digits as one number (exact below 2^53), its decimals (-1: no point), its sign. */
const read = { mantissa: 0, decimals: -1, negative: false };

const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
/** 2^53: below it, every integer is a double, and digit by digit accumulation is exact. */
const EXACT_BELOW = 2 ** 53;

/**
 * The end of a plain decimal number at `p` (see above), or -1. `u` holds the text's code units, `length` is
 * the text's (code-units.ts: zeros follow).
 */
export function plainDecimal(u: Uint16Array, length: number, p: number): number {
  let q = p;
  let c = u[q];
  const negative = c === 0x2d;
  if (negative || c === 0x2b) c = u[++q];
  const digitsFrom = q;
  let point = -1;
  let mantissa = 0;
  for (;;) {
    const d = c - 0x30;
    if (d >= 0 && d <= 9) mantissa = mantissa * 10 + d;
    else if (c === 0x2e && point < 0 && q > digitsFrom) point = q;
    else break;
    c = u[++q];
  }
  if (q === digitsFrom) return -1;
  // What may follow: white space (but \v and \f: rare, left to the rules), `<`, `;`, a list's `,` `)` `}`, the end of the text.
  if (!(c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x3c || c === 0x3b || c === 0x2c || c === 0x29 || c === 0x7d || q === length)) return -1;
  read.mantissa = mantissa;
  read.decimals = point < 0 ? -1 : q - point - 1;
  read.negative = negative;
  return q;
}

/**
 * The model value of the plain decimal `text` plainDecimal just read, the same as tokenValue's; undefined when
 * it cannot be made exactly here (digits making 2^53 or more, more than 22 decimals): tokenValue then.
 */
export function plainDecimalValue(text: string): PvlReal | PvlInteger | undefined {
  const { mantissa, decimals, negative } = read;
  if (mantissa >= EXACT_BELOW) return undefined;
  if (decimals >= 0) {
    if (decimals >= POWERS_OF_TEN.length) return undefined;
    const magnitude = mantissa / POWERS_OF_TEN[decimals];
    return { type: 'real', value: negative ? -magnitude : magnitude, text };
  }
  // Number('-0') is -0; BigInt gives 0. The text is the decimal when written as BigInt would write it.
  const value = negative && mantissa !== 0 ? -mantissa : mantissa;
  const first = negative ? 1 : 0;
  const canonical = text.charCodeAt(0) !== 0x2b && (mantissa === 0 ? text.length === 1 : text.charCodeAt(first) !== 0x30);
  return { type: 'integer', value, decimal: canonical ? text : String(value) };
}
