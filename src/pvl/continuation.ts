/**
 * Dash continuation, as ISIS writes it and the reference parser reads it: a `-` right before a line end is
 * deleted together with the line end and all white space after it, everywhere in the text (so
 * `/path/calibration-⏎   /darkcurrent/x.cub` is one value and `"Jupi-⏎ ter"` is `"Jupiter"`).
 * This runs before the grammar; `toSource` maps an offset in the joined text back to the original text,
 * so errors and line numbers point at what the user wrote.
 */
export interface JoinedText {
  /** The text with every continuation removed. */
  readonly text: string;
  /** Offset in `text` → offset in the original text. */
  toSource(offset: number): number;
}

// Python's `\s` (str.isspace), which the reference uses after the line end.
const CONTINUATION = /-[\n\r\f][\s\x1c-\x1f\x85]*/g;

export function joinContinuations(source: string): JoinedText {
  if (!/-[\n\r\f]/.test(source)) return { text: source, toSource: (offset) => offset };
  // at[i]: offset in the joined text where the i-th removal happened; removed[i]: characters removed so far.
  const at: number[] = [];
  const removed: number[] = [];
  let total = 0;
  const text = source.replace(CONTINUATION, (match: string, offset: number) => {
    total += match.length;
    at.push(offset - (total - match.length));
    removed.push(total);
    return '';
  });
  return {
    text,
    toSource(offset) {
      // The last removal at or before `offset` (a removal at `offset` lies before the character there).
      let lo = 0;
      let hi = at.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (at[mid] <= offset) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found < 0 ? offset : offset + removed[found];
    },
  };
}

/** 1-based line and column of an offset, with the line's start offsets computed once per text. */
export class LineIndex {
  readonly #starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.#starts.push(i + 1);
  }

  locate(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.#starts[lo] + 1 };
  }

  /** The text of a 1-based line, without its line end. */
  lineText(line: number): string {
    const start = this.#starts[line - 1] ?? this.text.length;
    const next = this.#starts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }
}
