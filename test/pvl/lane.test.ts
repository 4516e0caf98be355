import { isDeepStrictEqual } from 'node:util';
import { codeUnitsOf } from '../../src/pvl/fast/code-units.js';
import { plainDecimal, plainDecimalValue } from '../../src/pvl/fast/decimal.js';
import { fastParsePvlModule } from '../../src/pvl/fast/index.js';
import { laneAssignment, laneRead } from '../../src/pvl/fast/lane.js';
import { numberOrDate, tokenKind } from '../../src/pvl/fast/scalars.js';
import { tokenValue } from '../../src/pvl/fast/values.js';
import { parsePvlModule } from '../../src/pvl/parse.js';
import { seededRandom } from './differential-inputs.js';

/**
 * The fast lane (src/pvl/fast/lane.ts) and its plain decimals (decimal.ts): which statements it takes, which
 * it hands back to the rules, and that what it builds is what the grammar builds.
 */
const ohm = (text: string) => parsePvlModule(text, 'case.pvl');

/** The lane on the statement starting `text`: the value's end and the value, or -1. */
function lane(text: string): { end: number; name?: string; value?: unknown } {
  const end = laneAssignment(text, codeUnitsOf(text), 0);
  if (end < 0) return { end };
  const value = laneRead.value;
  laneRead.value = undefined;
  return { end, name: text.slice(0, laneRead.nameEnd), value };
}

describe('laneAssignment', () => {
  it('takes `Name = number` to the number’s end, with the value the rules give', () => {
    expect(lane('CenterLatitude      = 18.288689695965\n')).toEqual({ end: 37, name: 'CenterLatitude', value: { type: 'real', value: 18.288689695965, text: '18.288689695965' } });
    expect(lane('Lines = 4656')).toEqual({ end: 12, name: 'Lines', value: { type: 'integer', value: 4656, decimal: '4656' } });
    // Units are read by the parser after the lane.
    expect(lane('SurfaceArea = 1199.7883162525 <km^2>')).toMatchObject({ end: 29, value: { type: 'real', text: '1199.7883162525' } });
  });

  it('takes dates, exponents and words, and quoted strings with their white space folded', () => {
    expect(lane('StartTime = 2009-06-07T14:39:50.3027626\n').value).toEqual({
      type: 'datetime',
      text: '2009-06-07T14:39:50.3027626',
      iso: '2009-06-07T14:39:50.3027626',
    });
    expect(lane('Radius = 1.5e3\n').value).toEqual({ type: 'real', value: 1500, text: '1.5e3' });
    expect(lane('Target = MOON\n').value).toEqual({ type: 'string', value: 'MOON', quoted: false });
    expect(lane('HasNorthPole = FALSE\n').value).toEqual({ type: 'boolean', value: false });
    expect(lane('IsisVersion = "7.2.0  | \n  2023-03-14 "\n').value).toEqual({ type: 'string', value: '7.2.0 | 2023-03-14', quoted: true });
  });

  it('hands back every other shape to the rules', () => {
    const declined = [
      '^IMAGE = 1', // a name that does not start with an ASCII letter
      'A =\n  1', // the value on another line
      'A\n= 1', // `=` on another line
      'A /* c */ = 1', // a comment
      'A = (1, 2)', // a sequence
      'A = 16#FF#', // a based integer
      'A = 5-3', // a symbol starting with a digit
      'A = 1.5.2', // likewise
      'A = End', // a reserved word
      'A = abc#c', // `#` right after a word
      'A = "open', // an unclosed string
      'A\u000b= 1', // a vertical tab
      'A# = 1', // `#` right after the name
    ];
    for (const text of declined) expect([text, lane(text).end]).toEqual([text, -1]);
  });

  it('builds, with the parser around it, what the grammar builds on the shapes it takes and on those it hands back', () => {
    const text =
      'A = 1\nB = -0\nC = +007\nD = 2328.0 <meters>\nE = MOON\nF = TRUE\nG = "a  b\n c"\nH = 5-3\nI = (1, 2)\n' +
      'J = 16#FF#\nK = 1.5.2\nL = NEXT = 3\nM = x;\nN = 12:00 ; O = 1990-158\nP = 0.1e-2\nQ = 12345678901234567890\n';
    expect(fastParsePvlModule(text)).toStrictEqual(ohm(text));
  });

  it('keeps the grammar’s line numbers through comments, quoted strings and units that span lines', () => {
    const text = 'A = 1 /* a\ncomment */\nB = "x\ny"\nC = 2 <k\nm>\n\nD = 3; E = 4\r\nObject = O\n  F = 5\nEnd_Object\nG = 6 # c\nH = 7';
    const lines = fastParsePvlModule(text)?.statements.map((st) => [st.name, st.line]);
    expect(lines).toEqual(ohm(text).statements.map((st) => [st.name, st.line]));
    expect(lines).toEqual([['A', 1], ['B', 3], ['C', 5], ['D', 8], ['E', 8], ['O', 9], ['G', 12], ['H', 13]]);
  });
});

describe('plainDecimal', () => {
  /** The lane's value for a number token, or undefined when it hands the number to numberOrDate. */
  function plain(text: string): unknown {
    const end = plainDecimal(codeUnitsOf(text), text.length, 0);
    return end === text.length ? plainDecimalValue(text) : undefined;
  }

  /** What the rules build for a number token alone. */
  function byRules(text: string): unknown {
    expect(numberOrDate(text, 0)).toBe(text.length);
    return tokenValue(tokenKind, text);
  }

  it('reads integers and reals as the rules do, -0 and leading zeros included', () => {
    for (const text of ['0', '-0', '+0', '007', '-007', '+5', '4656', '-38.1508960939', '2328.0', '123.', '-0.0', '0.000123', '9007199254740991']) {
      expect([text, plain(text)]).toStrictEqual([text, byRules(text)]);
    }
  });

  it('leaves to the rules what it cannot read exactly or is not a plain decimal', () => {
    // 2^53 and beyond, more than 22 decimals: no exact division.
    expect(plain('9007199254740993')).toBeUndefined();
    expect(plain('0.00000000000000000000001')).toBeUndefined();
    for (const text of ['.5', '-.5', '1e5', '1.5E-3', '16#FF#', '1990-158', '12:00', '1.5.2', '-', '+', '1_0']) {
      expect([text, plainDecimal(codeUnitsOf(text), text.length, 0)]).toEqual([text, -1]);
    }
  });

  it('gives the double Number() gives, on 20,000 seeded random decimals', () => {
    const random = seededRandom(9);
    const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(random() * 10))).join('');
    const differ: string[] = [];
    let read = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const sign = ['', '-', '+'][Math.floor(random() * 3)];
      const text = random() < 0.3 ? sign + digits(1 + Math.floor(random() * 18)) : `${sign}${digits(1 + Math.floor(random() * 9))}.${digits(Math.floor(random() * 16))}`;
      const value = plain(text);
      if (value === undefined) continue;
      read += 1;
      numberOrDate(text, 0);
      if (!isDeepStrictEqual(value, tokenValue(tokenKind, text))) differ.push(text);
    }
    expect(differ).toEqual([]);
    expect(read).toBeGreaterThan(15_000);
  });

  it('stops at white space, `<`, `;`, a list’s `,` `)` `}` and the end of the text only (a NUL inside the text is not its end)', () => {
    for (const after of [' ', '\t', '\n', '\r', '<', ';', ',', ')', '}']) expect(plainDecimal(codeUnitsOf(`12${after}`), 3, 0)).toBe(2);
    expect(plainDecimal(codeUnitsOf('12\u0000'), 3, 0)).toBe(-1);
    // What a number may go on with, or what ends no word: the rules decide.
    for (const after of ['#', 'e', ':', '-', 'T', '(', '=', '"', '\v']) expect([after, plainDecimal(codeUnitsOf(`12${after}`), 3, 0)]).toEqual([after, -1]);
  });
});
