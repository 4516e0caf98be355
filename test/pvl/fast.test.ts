import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fastParsePvl, fastParsePvlModule } from '../../src/pvl/fast/index.js';
import { MIRRORED_GRAMMAR_SHA256 } from '../../src/pvl/fast/parser.js';
import { parsePvlModule } from '../../src/pvl/parse.js';
import { PvlDocument, PvlSyntaxError } from '../../src/pvl/index.js';
import type { PvlStatement } from '../../src/pvl/model.js';
import { seededRandom } from './differential-inputs.js';

/**
 * The fast parser on the constructs PVL's syntax hinges on: each case is parsed by both the fast parser and
 * the grammar (parse.ts, ohm), and the two must build the same model, or the fast parser must decline
 * (undefined) where the grammar throws. differential.test.ts does the same over the corpus and fuzzed text.
 */
const ohm = (text: string) => parsePvlModule(text, 'case.pvl');

function expectSameAsGrammar(text: string): void {
  expect(fastParsePvlModule(text)).toStrictEqual(ohm(text));
}

function expectBothReject(text: string): void {
  expect(() => ohm(text)).toThrow(PvlSyntaxError);
  expect(fastParsePvlModule(text)).toBeUndefined();
}

describe('fastParsePvl', () => {
  it('mirrors the current pvl.ohm (a changed grammar needs the fast parser reviewed)', () => {
    const grammar = readFileSync(path.resolve(import.meta.dirname, '../../src/pvl/pvl.ohm'), 'utf8');
    const normalised = grammar.replace(/\/\/[^\n]*/g, '').replace(/\s+/g, ' ').trim();
    const hash = createHash('sha256').update(normalised).digest('hex');
    // On failure: pvl.ohm changed. Review src/pvl/fast/parser.ts and scalars.ts rule by rule against it, run
    // the differential tests, then set MIRRORED_GRAMMAR_SHA256 (src/pvl/fast/parser.ts) to the hash received.
    expect(hash).toBe(MIRRORED_GRAMMAR_SHA256);
  });

  it('parses a caminfo label into a document', () => {
    const text = readFileSync(new URL('../fixtures/usgs/caminfo/TC1S2B0_01_07495N079E3030.caminfo.pvl', import.meta.url), 'utf8');
    const doc = fastParsePvl(text, 'label.pvl');
    expect(doc).toBeInstanceOf(PvlDocument);
    expect(doc?.source).toBe('label.pvl');
    expect(doc?.get('Caminfo.Geometry.IncidenceAngle')).toBe(62.548768944137);
    expect(doc?.statements).toStrictEqual(ohm(text).statements);
  });

  it('tells numbers, dates, times and symbols apart as the grammar does', () => {
    expectSameAsGrammar(
      'A = 2001-01-01\nB = 1990-158\nC = 12:00\nD = 2001-01-01T01:10:39.4575+07\nE = 1.5.2\nF = 12abc\nG = 5-3\n' +
        'H = 1977-07-09T20:05:51.5549999\nI = 2001-02-30\nJ = -.9981\nK = 1.E-3\nL = +007\nM = 12345678901234567890\n' +
        'N = 1e5\nO = 1.79769313486232e+308\nP = 23:59:60\nQ = 12:00:00.5Z\nR = 2000-01-01t00:00+0730\nS = -0\n',
    );
  });

  it('reads based integers and declines a digit outside its radix', () => {
    expectSameAsGrammar('A = 16#-4B#\nB = -2#1010#\nC = 8#777#\nD = 16#ff#');
    expectBothReject('A = 8#9#');
  });

  it('reads TRUE, FALSE and NULL in any case, and N/A or UNK as symbols', () => {
    expectSameAsGrammar('A = true\nB = False\nC = NULL\nD = N/A\nE = UNK\nF = TRUEISH\nG = nulls');
  });

  it('folds white space in quoted strings and keeps it in units', () => {
    expectSameAsGrammar('A = "  a\n   b\t c  "\nB = \'x\'\nC = 30 < KM/SEC >\nD = (1, 2) <DEG>\nE = ""');
  });

  it('reads sequences and sets, nested, with units and reserved words as symbols', () => {
    expectSameAsGrammar('A = (1, (2, 3), {a, b}, ())\nB = {1, 1.0, TRUE}\nC = (Group, Object, End)\nD = (1 <m>, 2 <s>)');
  });

  it('joins dash continuations and reports the lines of the original text', () => {
    expectSameAsGrammar('A = /path/calibration-\n   /darkcurrent/x.cub\nB = "Jupi-\n ter"\nC = 1\n\nD = 2');
  });

  it('reads lists of plain numbers, with units and with a continuation inside, as the grammar does', () => {
    const text = 'A = (1, -2.5 <m>, +3., .5, 4)\nB = {10,20 }\nC = (1.5, 2-\n   5, 3)\nD = (1e-3, 12345678901234567890, 0.00000000000000000000001, 16#FF#, -0)';
    expectSameAsGrammar(text);
    const c = fastParsePvlModule(text)?.statements[2];
    expect(c).toMatchObject({ name: 'C', line: 3, value: { type: 'sequence', items: [{ type: 'real', text: '1.5' }, { type: 'integer', decimal: '25' }, { type: 'integer', value: 3 }] } });
    expectBothReject('A = (1 2)');
    expectBothReject('A = (1,, 2)');
  });

  it('counts source lines after continuations, in blocks, lists and strings that span lines', () => {
    const text =
      'Object = O\n  A = /a-\n      /b\n  B = (1,\n   2-\n\n   3)\n  C = "x-\r\n y\n z"\n  Group = G\n    D = 4 <k-\n m>\n  End_Group\nEnd_Object\nE = 5-\n\n\n6\nF = 7';
    const lines = (statements: readonly PvlStatement[]): unknown[] =>
      statements.map((st) => [st.name, st.line, ...(st.type === 'assignment' ? [] : [lines(st.statements)])]);
    const fast = fastParsePvlModule(text);
    expect(fast).toStrictEqual(ohm(text));
    expect(lines(fast?.statements ?? [])).toEqual([['O', 1, [['A', 2], ['B', 4], ['C', 8], ['G', 11, [['D', 12]]]]], ['E', 16], ['F', 20]]);
  });

  it('reads a block’s end word once and still tells END_OBJECT, END_GROUP and END apart', () => {
    expectSameAsGrammar('Object = A\n  Group = B\n    X = 1\nEND\n');
    expectSameAsGrammar('Group = A\n  Object = B\n  EndObject = b\nEnd_Group = A\nEnd');
    expectBothReject('Group = G\n  X = 1\nEnd_Object');
    expectBothReject('Object = O\n  X = 1\nEnd_Group');
    expectBothReject('Object = A\n  Group = B\n  End_Object');
    expectBothReject('Object = A\nEnd_Objects');
  });

  it('skips comments, including ISIS comment lines without */', () => {
    expectSameAsGrammar('/* header */\nA = 1 # trailing\n/* unclosed comment line\nB = 2 /* multi\nline */ C = 3');
    // `/*` ends a symbol and opens a comment, up to the next `*/` however far.
    expectSameAsGrammar('A = $base/kernels/*.tls\nB = 1 */ C = 2');
  });

  it('reads blocks in every spelling, with a repeated name after the end word', () => {
    expectSameAsGrammar(
      'Object = A\n Group = G\n  X = 1\n End_Group\nEndObject = A\nBEGIN_OBJECT = B;\nEND_OBJECT;\nbegin_group = "q  name"\nendgroup',
    );
  });

  it('declines a block whose end names another block', () => {
    expectBothReject('Object = A\nX = 1\nEnd_Object = B\n');
  });

  it('reads ISIS keywords without a value and assignments with nothing after =', () => {
    expectSameAsGrammar('Group = T\n  Auto\n  Optional ; Debug # c\n  Name =\n  Next = 1\nEnd_Group\nLast =');
  });

  it('ends words at white space, comments or reserved characters other than #', () => {
    expectSameAsGrammar('A = abc # comment\nB = (x,y)\nC = 16#FF# # c');
    expectBothReject('A = abc#comment');
    expectBothReject('A = 2#0101');
  });

  it('closes the blocks still open at END', () => {
    expectSameAsGrammar('Object = TABLE\n  Group = G\n    A = 1\nEND\n');
  });

  it('reads TRUE, FALSE and NULL as names, never numbers or dates', () => {
    expectSameAsGrammar('NULL = 1\nTrue = (a)\nfalse\n');
    expectBothReject('2001-01-01 = 1');
  });

  it('stops at END and never looks at what follows', () => {
    expectSameAsGrammar('A = 1\nEND\n\u0000\u0001 binary ( = " data');
  });

  it('declines what the grammar rejects', () => {
    for (const text of ['A = = 5', 'Object = A\nX = 1\n', 'A = (1, 2', 'A = "open', 'End_Group', 'A = 1 <KM', '= 1', 'A = ,']) {
      expectBothReject(text);
    }
  });

  it('matches reserved words as ohm caseInsensitive does (ı and ſ upper-case to I and S)', () => {
    expectSameAsGrammar('A = faLſe\nB = (begın_group)\n');
  });

  it('folds quoted strings as the grammar does, on seeded random strings of white space, control and wide characters', () => {
    const random = seededRandom(5);
    const pieces = [' ', ' ', '  ', '\t', '\n', '\r', '\v', '\f', '\u0001', 'ab', 'é', '\u00a0', 'ā', '\ud800', '#', '/*'];
    const values: string[] = [];
    for (let i = 0; i < 400; i += 1) {
      let inner = '';
      for (let n = Math.floor(random() * 8); n > 0; n -= 1) inner += pieces[Math.floor(random() * pieces.length)];
      values.push(`V${i} = "${inner}"\nS${i} = '${inner}'`);
    }
    expectSameAsGrammar(values.join('\n'));
  });

  it('reads a label longer than the shared code-unit array, then a short one, then one with a NUL', () => {
    const long = `Object = Big\n${'  Value = 1.5 <m>\n'.repeat(5000)}End_Object\nEND\n`;
    expect(long.length).toBeGreaterThan(1 << 16);
    expect(fastParsePvlModule(long)?.statements[0]).toMatchObject({ name: 'Big', line: 1, statements: { length: 5000, 4999: { line: 5001 } } });
    expectSameAsGrammar('A = 1');
    expectBothReject('A = 1\u0000');
  });

  it('reads names and symbols with the characters PVL allows in them', () => {
    expectSameAsGrammar('^IMAGE = ("x.img", 12 <BYTES>)\nISIS:KEY = $base/kernels/lsk/naif0012.tls\nMSL:COMMENT = LT+S\nÉtat = café');
  });
});
