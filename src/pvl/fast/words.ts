import { isNameChar, matchWord } from './chars.js';

/**
 * pvl.ohm's reserved words, lexical rules of (text, offset) returning the end of their match or -1: the
 * block words, END, and `reservedWord`, which no name or symbol may be.
 */

/** `(w1 | w2) ~nameChar` with case-insensitive words, tried in order. */
function word(text: string, p: number, first: string, second?: string): number {
  let r = matchWord(text, p, first);
  if (r < 0 && second !== undefined) r = matchWord(text, p, second);
  return r >= 0 && !isNameChar(text, r) ? r : -1;
}

export const beginObject = (text: string, p: number): number => word(text, p, 'BEGIN_OBJECT', 'OBJECT');
export const beginGroup = (text: string, p: number): number => word(text, p, 'BEGIN_GROUP', 'GROUP');
export const endObject = (text: string, p: number): number => word(text, p, 'END_OBJECT', 'ENDOBJECT');
export const endGroup = (text: string, p: number): number => word(text, p, 'END_GROUP', 'ENDGROUP');
export const reservedEnd = (text: string, p: number): number => word(text, p, 'END');

/**
 * `reservedWord = beginObject | beginGroup | endObject | endGroup | end_`. At most one alternative can match
 * (each ends where no nameChar follows), so the first letter picks the words worth trying (ı and ſ upper-case
 * to I and S, never to b, o, g or e).
 */
export function reservedWord(text: string, p: number): number {
  switch (text.charCodeAt(p) | 0x20) {
    case 0x62: // b
      return word(text, p, 'BEGIN_OBJECT', 'BEGIN_GROUP');
    case 0x6f: // o
      return word(text, p, 'OBJECT');
    case 0x67: // g
      return word(text, p, 'GROUP');
    case 0x65: {
      // e: END, END_OBJECT, ENDOBJECT, END_GROUP, ENDGROUP (`EmissionAngle`, `EndTime` stop at the second or fourth letter)
      if (matchWord(text, p, 'END') < 0) return -1;
      let r = endObject(text, p);
      if (r < 0) r = endGroup(text, p);
      return r < 0 ? reservedEnd(text, p) : r;
    }
    default:
      return -1;
  }
}
