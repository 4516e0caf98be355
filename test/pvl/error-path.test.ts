import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GRAMMAR_MAX_CHARS } from '../../src/pvl/error-path.js';
import { MAX_PVL_DEPTH } from '../../src/pvl/fast/parser.js';
import { parsePvl, PvlSyntaxError } from '../../src/pvl/index.js';

/**
 * The error path of labels the fast path declines: nesting capped with a located ERR_PVL_DEPTH, and long
 * labels told where they are wrong by the grammar on a window around the failure, never on the whole text.
 */

const errorOf = (text: string, source = 'x.pvl'): PvlSyntaxError => {
  try {
    parsePvl(text, { source });
  } catch (err) {
    expect(err).toBeInstanceOf(PvlSyntaxError);
    return err as PvlSyntaxError;
  }
  throw new Error('parsed');
};
const firstLine = (err: Error) => err.message.split('\n')[0];

/** `count` lines of valid assignments inside Object = Caminfo: a label long enough for the window. */
const filler = (count: number) => '  Key = 12.5 <km>\n'.repeat(count);
const LONG = 120_000; // lines: a 2 MB label

describe('nesting depth', () => {
  test(`${MAX_PVL_DEPTH} levels parse; one more is ERR_PVL_DEPTH at the block that goes too deep`, () => {
    const ok = `${'OBJECT = A\n'.repeat(MAX_PVL_DEPTH)}X = 1\n${'END_OBJECT\n'.repeat(MAX_PVL_DEPTH)}END\n`;
    expect(parsePvl(ok).statements).toHaveLength(1);
    const err = errorOf(`${'OBJECT = A\n'.repeat(MAX_PVL_DEPTH + 1)}X = 1\n${'END_OBJECT\n'.repeat(MAX_PVL_DEPTH + 1)}END\n`);
    expect(err.code).toBe('ERR_PVL_DEPTH');
    expect(firstLine(err)).toBe(`x.pvl:${MAX_PVL_DEPTH + 1}:1: not valid PVL: nesting deeper than 64 levels (blocks, sequences and sets inside each other) starts here; labels nest a few`);
  });

  test('a 1,000-deep unclosed label and a 100,000-deep sequence are located at once (no stack overflow, no ERR_UNEXPECTED)', () => {
    const started = Date.now();
    expect(firstLine(errorOf('OBJECT = A\n'.repeat(1000)))).toMatch(/^x\.pvl:65:1: not valid PVL: nesting deeper than 64 levels/);
    const sequence = errorOf(`A = ${'('.repeat(100_000)}`);
    expect([sequence.code, sequence.line, sequence.column]).toEqual(['ERR_PVL_DEPTH', 1, 5 + MAX_PVL_DEPTH]);
    // Blocks and lists count together.
    expect(errorOf(`${'GROUP = G\n'.repeat(40)}A = ${'{'.repeat(30)}`).code).toBe('ERR_PVL_DEPTH');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a value the fast path defers to the grammar does not let deep nesting reach it', () => {
    // 2#103# makes the fast path defer; the grammar would overflow on what follows.
    expect(errorOf(`X = 2#103#\n${'OBJECT = A\n'.repeat(1000)}`).code).toBe('ERR_PVL_DEPTH');
  });
});

describe(`labels longer than ${GRAMMAR_MAX_CHARS} characters: the grammar reads a window`, () => {
  // Each case: the same mistake at the end of a short label and of a 2 MB one gives the same message,
  // at the line where it is.
  const cases: Array<[string, string, string]> = [
    ['a missing value', '  Bad = = 1\n', 'expected a value, END_OBJECT, a statement or END'],
    ['an unclosed quote', '  Bad = "abc\n', 'a quoted string starts here but its " is never closed'],
    ['a digit outside its radix (semantics)', '  X = 2#103#\n', "'3' is not a digit in base 2 (in 2#103#)"],
    ['a list not closed on its line', '  L = (1, 2 3)\n', "expected units, ',' or ')'"],
  ];
  test.each(cases)('%s: located as in a short label', (_name, bad, message) => {
    const short = errorOf(`Object = Caminfo\n${filler(3)}${bad}End_Object\nEnd\n`);
    expect(firstLine(short)).toMatch(new RegExp(`^x\\.pvl:5:\\d+: not valid PVL: ${message.replace(/[()|.*+?[\]]/g, '\\$&')}$`));
    const long = errorOf(`Object = Caminfo\n${filler(LONG)}${bad}End_Object\nEnd\n`);
    expect(firstLine(long)).toBe(firstLine(short).replace('x.pvl:5:', `x.pvl:${LONG + 2}:`));
    expect(long.code).toBe('ERR_PVL_SYNTAX');
  });

  test('a mistake at the start of a long label, and an END_OBJECT naming another block at its end', () => {
    expect(firstLine(errorOf(`Object = Caminfo\n  Bad = = 1\n${filler(LONG)}End_Object\nEnd\n`))).toBe(
      'x.pvl:2:9: not valid PVL: expected a value, END_OBJECT, a statement or END',
    );
    expect(firstLine(errorOf(`Object = Caminfo\n${filler(LONG)}End_Object = Other\nEnd\n`))).toBe(
      `x.pvl:${LONG + 2}:14: not valid PVL: expected the block's name 'Caminfo' after END_OBJECT =, found 'Other'`,
    );
  });

  test('one statement too long for a window is located by the fast parser alone', () => {
    const err = errorOf(`A = (${'1, '.repeat(700_000)}\nEND\n`);
    expect(firstLine(err)).toBe('x.pvl:3:1: not valid PVL: unexpected text');
  });
});

const bin = path.resolve(import.meta.dirname, '../../bin/stacflow.js');
const compiled = path.resolve(import.meta.dirname, '../../dist/src/cli/stacflow.js');
(existsSync(compiled) ? test : test.skip)('a 2 MB invalid label through the real bin: located in seconds, peak RSS far from the 1.9 GB it took', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stacflow-pvl-big-'));
  const file = path.join(dir, 'big.pvl');
  writeFileSync(file, `Object = Caminfo\n${filler(LONG)}  Bad = = 1\nEnd_Object\nEnd\n`);
  const started = Date.now();
  // GNU time's %M is the peak RSS in kB (the whole process: parse, message, exit).
  const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M', process.execPath, bin, 'pvl', file]] : [process.execPath, [bin, 'pvl', file]];
  const result = await promisify(execFile)(time[0] as string, time[1] as string[], { timeout: 30_000 }).catch((err: { code: number; stderr: string }) => err);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(result.stderr).toContain(`${file}:${LONG + 2}:9: not valid PVL: expected a value, END_OBJECT, a statement or END`);
  const peak = /PEAK_RSS_KB=(\d+)/.exec(result.stderr);
  if (peak) expect(Number(peak[1])).toBeLessThan(400 * 1024);
}, 40_000);
