import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Invalid labels of about 2 MB made from a real caminfo label's statements, each broken in one place, with
 * where the break is (1-based line and column of the first character that does not fit) and the message
 * the error path gives there. Shared by error-path-memory.test.ts and the child process it measures.
 */
export interface InvalidLabel {
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export const LABEL_BYTES = 2 * 1024 * 1024;

const caminfo = readFileSync(path.resolve(import.meta.dirname, '../../sandbox/data/caminfo/TC1S2B0_01_07496N183E3021.caminfo.pvl'), 'utf8');
/** The statements inside `Object = Caminfo … End_Object` (blocks Parameters, Statistics, Geometry …). */
const statements = (() => {
  const lines = caminfo.split('\n');
  return `${lines.slice(1, lines.findLastIndex((l) => l.startsWith('End_Object'))).join('\n')}\n`;
})();
const repeated = (unit: string, chars: number): string => unit.repeat(Math.ceil(chars / unit.length));
const wrap = (body: string): string => `Object = Caminfo\n${body}End_Object\nEnd\n`;

const NOT_A_VALUE = 'expected a value, END_OBJECT, a statement or END';

/**
 * `text` with the break at the first `at` after `marker` (unique in the text):
 * its line and column, counted here from the text itself.
 */
function broken(text: string, marker: string, at: string, message: string): InvalidLabel {
  const offset = text.indexOf(at, text.indexOf(marker));
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return { text, line: text.slice(0, offset).split('\n').length, column: offset - lineStart + 1, message };
}

export const INVALID_LABELS = {
  'a missing value near the end': () => broken(wrap(`${repeated(statements, LABEL_BYTES)}    BadEnd = = 1\n`), 'BadEnd', '= 1', NOT_A_VALUE),
  'a missing value at the start': () => broken(wrap(`    BadStart = = 1\n${repeated(statements, LABEL_BYTES)}`), 'BadStart', '= 1', NOT_A_VALUE),
  'a missing value in the middle': () => {
    const half = repeated(statements, LABEL_BYTES / 2);
    return broken(wrap(`${half}    BadMiddle = = 1\n${half}`), 'BadMiddle', '= 1', NOT_A_VALUE);
  },
  'a 1 MB quoted string never closed': () =>
    broken(wrap(`${repeated(statements, LABEL_BYTES / 2)}    Note = "Bad ${'lorem ipsum dolor sit amet\n'.repeat(40_000)}`), 'Note = "Bad', '"', 'a quoted string starts here but its " is never closed'),
  'text after a 1 MB quoted string (a statement too long for a window)': () =>
    broken(wrap(`${repeated(statements, LABEL_BYTES / 2)}    Note = "${'lorem ipsum dolor sit amet\n'.repeat(40_000)}" = BadAfter\n${statements}`), '" = BadAfter', '=', 'unexpected text'),
  'text after a 15 kB quoted string (the largest window the grammar reads)': () =>
    broken(wrap(`${repeated(statements, LABEL_BYTES - 16_000)}    Note = "${'lorem ipsum dolor sit amet\n'.repeat(560)}" = BadAfter\n${statements}`), '" = BadAfter', '=', 'expected units, END_OBJECT, a statement or END'),
  'a missing value 60 blocks deep': () => {
    const open = Array.from({ length: 60 }, (_, i) => `${' '.repeat(i)}Object = Level${i}\n`).join('');
    const close = Array.from({ length: 60 }, (_, i) => `${' '.repeat(59 - i)}End_Object\n`).join('');
    return broken(wrap(`${open}${repeated(statements, LABEL_BYTES)}    BadNested = = 1\n${close}`), 'BadNested', '= 1', NOT_A_VALUE);
  },
  'a missing value after 300,000 continuation lines': () => {
    const split = `    Path = ${'abc-\n  '.repeat(200)}end\n`;
    return broken(wrap(`${repeated(split, LABEL_BYTES)}    BadContinued = = 1\n`), 'BadContinued', '= 1', NOT_A_VALUE);
  },
  'a 2 MB list on one line, broken at its end': () =>
    broken(wrap(`  List = (${'1.5, '.repeat(LABEL_BYTES / 5)}2 BadList)\n`), 'BadList', 'BadList', 'unexpected text'),
} satisfies Record<string, () => InvalidLabel>;

export type InvalidLabelName = keyof typeof INVALID_LABELS;
