import { StacflowError } from '../errors.js';

/** Where a PVL text is wrong and what would have been right there, in PVL words. */
export interface PvlSyntaxErrorDetails {
  /** The label's file name or href (`<text>` when parsed from a string without a source). */
  readonly source: string;
  /** 1-based line and column (in code units of the decoded text) of the first character that did not fit. */
  readonly line: number;
  readonly column: number;
  /** What PVL allows there: `a value`, `'='`, `END_GROUP` ... (empty when `reason` says what is wrong). */
  readonly expected: readonly string[];
  /** What is wrong, when it is not a matter of expected words (a digit outside its radix ...). */
  readonly reason?: string;
  /** The offending line, without its line end. */
  readonly lineText: string;
  /** `ERR_PVL_DEPTH` when the label nests deeper than the parser allows; `ERR_PVL_SYNTAX` when absent. */
  readonly code?: 'ERR_PVL_SYNTAX' | 'ERR_PVL_DEPTH';
}

/**
 * A label that is not PVL (code `ERR_PVL_SYNTAX`, or `ERR_PVL_DEPTH` for nesting past MAX_PVL_DEPTH; fails
 * the item, not the run). The message reads
 *
 *     caminfo.pvl:3:9: not valid PVL: expected a value
 *        3 | Lines = = 5
 *          |         ^
 */
export class PvlSyntaxError extends StacflowError implements Omit<PvlSyntaxErrorDetails, 'code'> {
  readonly source: string;
  readonly line: number;
  readonly column: number;
  readonly expected: readonly string[];
  readonly lineText: string;
  readonly reason: string | undefined;

  constructor(details: PvlSyntaxErrorDetails) {
    super(details.code ?? 'ERR_PVL_SYNTAX', formatPvlSyntaxError(details), { errorClass: 'item' });
    this.source = details.source;
    this.line = details.line;
    this.column = details.column;
    this.expected = details.expected;
    // A copy: a slice would keep the whole label alive as long as the error (a run report keeps many).
    this.lineText = detach(details.lineText);
    this.reason = details.reason;
  }
}

/** `text` in a string of its own, not a slice pointing into the label it was cut from. */
const detach = (text: string): string => (' ' + text).slice(1);

/** `a`, `a or b`, `a, b or c`. */
export const joinAlternatives = (words: readonly string[]): string =>
  words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;

const MAX_SHOWN = 120;

function formatPvlSyntaxError(d: PvlSyntaxErrorDetails): string {
  const what = d.reason ?? (d.expected.length > 0 ? `expected ${joinAlternatives(d.expected)}` : 'unexpected text');
  // Long lines (a label followed by binary, a 10 kB keyword) are cut around the column.
  let text = d.lineText;
  let caretAt = d.column - 1;
  if (text.length > MAX_SHOWN) {
    const start = Math.max(0, Math.min(caretAt - MAX_SHOWN / 2, text.length - MAX_SHOWN));
    text = text.slice(start, start + MAX_SHOWN);
    caretAt -= start;
  }
  text = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?').replace(/\t/g, ' ');
  const gutter = String(d.line);
  return [
    `${d.source}:${d.line}:${d.column}: not valid PVL: ${what}`,
    `  ${gutter} | ${text}`,
    `  ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, caretAt))}^`,
  ].join('\n');
}
