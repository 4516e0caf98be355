import { isNameChar, matchWord } from '../../src/pvl/fast/chars.js';
import { codeUnitsOf } from '../../src/pvl/fast/code-units.js';
import { Reserved, reservedKind, reservedWord } from '../../src/pvl/fast/words.js';

/**
 * reservedWord (src/pvl/fast/words.ts) picks the one word worth comparing by the length of the run of
 * nameChars at the offset; here it is compared with pvl.ohm's rule as written: the alternatives in order,
 * each `(caseInsensitive<w1> | caseInsensitive<w2>) ~nameChar`.
 */
const RULE: ReadonlyArray<readonly [Reserved, readonly string[]]> = [
  [Reserved.BeginObject, ['BEGIN_OBJECT', 'OBJECT']],
  [Reserved.BeginGroup, ['BEGIN_GROUP', 'GROUP']],
  [Reserved.EndObject, ['END_OBJECT', 'ENDOBJECT']],
  [Reserved.EndGroup, ['END_GROUP', 'ENDGROUP']],
  [Reserved.End, ['END']],
];

function byRule(text: string): { end: number; kind?: Reserved } {
  for (const [kind, words] of RULE) {
    let end = -1;
    for (const word of words) if ((end = matchWord(text, 0, word)) >= 0) break;
    if (end >= 0 && !isNameChar(text, end)) return { end, kind };
  }
  return { end: -1 };
}

function fast(text: string): { end: number; kind?: Reserved } {
  const end = reservedWord(text, codeUnitsOf(text), 0);
  return end < 0 ? { end } : { end, kind: reservedKind };
}

describe('reservedWord', () => {
  it('reads every block word and END in any case, and which it is', () => {
    expect(fast('End_Group\n')).toEqual({ end: 9, kind: Reserved.EndGroup });
    expect(fast('ENDOBJECT = A')).toEqual({ end: 9, kind: Reserved.EndObject });
    expect(fast('group=G')).toEqual({ end: 5, kind: Reserved.BeginGroup });
    expect(fast('Begin_Object;')).toEqual({ end: 12, kind: Reserved.BeginObject });
    expect(fast('end')).toEqual({ end: 3, kind: Reserved.End });
    expect(fast('EndTime = 1')).toEqual({ end: -1 });
    expect(fast('Objects')).toEqual({ end: -1 });
  });

  it('answers what the grammar’s rule answers, on every word, cut, lengthened, followed by anything', () => {
    const words = RULE.flatMap(([, w]) => w);
    const stems = [...words, ...words.map((w) => w.toLowerCase()), ...words.map((w) => w.slice(0, -1)), 'EN', 'ENDX_GROUP', 'END-GROUP', 'Object1', 'objeCT', 'begın_group', 'ſ'];
    const after = ['', ' ', '\n', '=', '_', 'x', '1', '/', '/*', '*', '*/', '#', '"', '\u00a0', '\u0131', '\u0000'];
    const differ: string[] = [];
    for (const stem of stems) for (const tail of after) {
      const text = stem + tail;
      if (JSON.stringify(fast(text)) !== JSON.stringify(byRule(text))) differ.push(JSON.stringify(text));
    }
    expect(differ).toEqual([]);
    // ı upper-cases to I: a reserved word for the grammar, so for the parser.
    expect(fast('begın_group\n')).toEqual({ end: 11, kind: Reserved.BeginGroup });
  });
});
