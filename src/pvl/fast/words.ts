import { matchWord, nameUnitsEnd } from './chars.js';

/**
 * pvl.ohm's reserved words, a lexical rule of (text, offset) returning the end of its match or -1:
 * `reservedWord`, which no name or symbol may be, and which of the block words or END it is (`beginObject =
 * (caseInsensitive<"BEGIN_OBJECT"> | caseInsensitive<"OBJECT">) ~nameChar`, and so on).
 */

/** Which of reservedWord's alternatives matched (set by reservedWord). */
export const Reserved = { BeginObject: 1, BeginGroup: 2, EndObject: 3, EndGroup: 4, End: 5 } as const;
export type Reserved = (typeof Reserved)[keyof typeof Reserved];

/** The alternative reservedWord matched last (when it answered an end). */
export let reservedKind: Reserved = Reserved.End as Reserved;

/**
 * `reservedWord = beginObject | beginGroup | endObject | endGroup | end_` at `p` (`u`: the text's code
 * units, code-units.ts), and which one matched (`reservedKind`). Each word must be followed by no nameChar,
 * and is made of nameChars: it is the whole run of nameChars at `p`, so the run's length picks the one word
 * worth comparing (END_GROUP and ENDOBJECT, both 9 long, by their fourth character), and most names are
 * ruled out by their first letter or their length without a comparison. ı and ſ upper-case to I and S,
 * never to b, o, g or e, and are one code unit as the letters they stand for.
 */
export function reservedWord(text: string, u: Uint16Array, p: number): number {
  const first = u[p] | 0x20;
  if (first !== 0x62 && first !== 0x6f && first !== 0x67 && first !== 0x65) return -1;
  switch (nameUnitsEnd(u, p) - p) {
    case 3:
      return matched(Reserved.End, text, p, 'END');
    case 5:
      return matched(Reserved.BeginGroup, text, p, 'GROUP');
    case 6:
      return matched(Reserved.BeginObject, text, p, 'OBJECT');
    case 8:
      return matched(Reserved.EndGroup, text, p, 'ENDGROUP');
    case 9:
      return u[p + 3] === 0x5f ? matched(Reserved.EndGroup, text, p, 'END_GROUP') : matched(Reserved.EndObject, text, p, 'ENDOBJECT');
    case 10:
      return matched(Reserved.EndObject, text, p, 'END_OBJECT');
    case 11:
      return matched(Reserved.BeginGroup, text, p, 'BEGIN_GROUP');
    case 12:
      return matched(Reserved.BeginObject, text, p, 'BEGIN_OBJECT');
    default:
      return -1;
  }
}

/** caseInsensitive<word> at `p`, noting `kind` when it matches. */
function matched(kind: Reserved, text: string, p: number, word: string): number {
  const r = matchWord(text, p, word);
  if (r >= 0) reservedKind = kind;
  return r;
}
