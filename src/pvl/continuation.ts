/**
 * Dash continuation, as ISIS writes it and the reference parser reads it: a `-` right before a line end is
 * deleted together with the line end and all white space after it, everywhere in the text (so
 * `/path/calibration-⏎   /darkcurrent/x.cub` is one value and `"Jupi-⏎ ter"` is `"Jupiter"`).
 * This runs before the grammar; `toSource` maps an offset in the joined text back to the original text,
 * so errors and line numbers point at what the user wrote.
 *
 * Memory: a label's size once more for the joined text, and nothing per continuation (a 2 MB label can hold
 * a million of them): `toSource` walks the original text from its previous answer, as parsers ask in
 * (nearly) increasing order, and builds an index only when asked out of order again and again.
 */
export interface JoinedText {
  /** The text with every continuation removed. */
  readonly text: string;
  /** Offset in `text` → offset in the original text. */
  toSource(offset: number): number;
}

export function joinContinuations(source: string): JoinedText {
  const first = nextContinuation(source, 0);
  if (first < 0) return { text: source, toSource: (offset) => offset };
  const text = WIDE.test(source) ? joinPieces(source, first) : joinLatin1(source, first);
  // Made when first asked (errors ask; a parse that succeeds counts lines with JoinedLineIndex).
  let toSource: ((offset: number) => number) | undefined;
  return { text, toSource: (offset) => (toSource ??= sourceOffsets(source))(offset) };
}

// A character a latin1 byte cannot hold.
const WIDE = /[^\x00-\xff]/;

/** Labels up to this size are joined in one buffer (per thread), reused: the joined text is a copy of it. */
const SHARED_JOIN_BYTES = 1 << 16;
let sharedJoinBytes: Buffer | undefined;

/**
 * The joined text of a latin1 source (labels are ASCII), copied into one byte buffer and decoded once: a
 * string per piece between continuations costs tens of bytes, and a label can hold a million of them.
 */
function joinLatin1(source: string, first: number): string {
  const bytes = source.length <= SHARED_JOIN_BYTES ? (sharedJoinBytes ??= Buffer.allocUnsafeSlow(SHARED_JOIN_BYTES)) : Buffer.allocUnsafe(source.length);
  let length = 0;
  let from = 0;
  for (let next = first; ; next = nextContinuation(source, from)) {
    const end = next < 0 ? source.length : next;
    // Long runs are copied whole (a slice is one short-lived string); short ones a character at a time.
    if (end - from >= 32) length += bytes.write(source.slice(from, end), length, 'latin1');
    else for (let i = from; i < end; i += 1) bytes[length++] = source.charCodeAt(i);
    if (next < 0) break;
    from = continuationEnd(source, next);
  }
  return bytes.toString('latin1', 0, length);
}

/** The joined text of any source: the pieces between continuations, joined a chunk at a time. */
function joinPieces(source: string, first: number): string {
  const chunks: string[] = [];
  let pieces: string[] = [];
  let from = 0;
  for (let next = first; next >= 0; next = nextContinuation(source, from)) {
    pieces.push(source.slice(from, next));
    from = continuationEnd(source, next);
    if (pieces.length === 4096) {
      chunks.push(pieces.join(''));
      pieces = [];
    }
  }
  pieces.push(source.slice(from));
  chunks.push(pieces.join(''));
  return chunks.length === 1 ? chunks[0] : chunks.join('');
}

/** Offset of the next `-` followed by a line end (\n, \r or \f) at or after `from`, or -1. */
function nextContinuation(source: string, from: number): number {
  for (let i = source.indexOf('-', from); i >= 0; i = source.indexOf('-', i + 1)) {
    const c = source.charCodeAt(i + 1);
    if (c === 0x0a || c === 0x0d || c === 0x0c) return i;
  }
  return -1;
}

/** End of the continuation at `dash`: after the line end and all white space that follows. */
function continuationEnd(source: string, dash: number): number {
  let end = dash + 2;
  while (end < source.length && isContinuationSpace(source.charCodeAt(end))) end += 1;
  return end;
}

/** Python's `\s` (str.isspace), which the reference uses after the line end: JS `\s`, \x1c-\x1f and \x85. */
function isContinuationSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c >= 0x1c;
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

// Out-of-order questions answered by walking from the start before an index is built.
const RESTARTS_BEFORE_INDEX = 16;

/**
 * Joined offset → source offset. A cursor over the continuations (the one pending next, and what those
 * before it removed) moves forward with the questions; a question behind it starts over, and after
 * RESTARTS_BEFORE_INDEX of those an index of every continuation (two Int32Arrays) answers instead.
 */
function sourceOffsets(source: string): (offset: number) => number {
  // Pending continuation: at `dash` in the source, `at` in the joined text; `removed` before it.
  let dash = nextContinuation(source, 0);
  let at = dash;
  let removed = 0;
  let asked = 0;
  let restarts = 0;
  let index: ((offset: number) => number) | undefined;
  return (offset) => {
    if (index) return index(offset);
    if (offset < asked) {
      restarts += 1;
      if (restarts > RESTARTS_BEFORE_INDEX) {
        index = indexedOffsets(source);
        return index(offset);
      }
      dash = nextContinuation(source, 0);
      at = dash;
      removed = 0;
    }
    asked = offset;
    // A removal at `offset` lies before the character there.
    while (dash >= 0 && at <= offset) {
      const end = continuationEnd(source, dash);
      removed += end - dash;
      dash = nextContinuation(source, end);
      at = dash - removed;
    }
    return offset + removed;
  };
}

/** Every continuation's joined offset and the characters removed up to it, searched by bisection. */
function indexedOffsets(source: string): (offset: number) => number {
  let count = 0;
  for (let d = nextContinuation(source, 0); d >= 0; d = nextContinuation(source, continuationEnd(source, d))) count += 1;
  const at = new Int32Array(count);
  const removedUpTo = new Int32Array(count);
  let removed = 0;
  let i = 0;
  for (let d = nextContinuation(source, 0); d >= 0; i += 1) {
    const end = continuationEnd(source, d);
    at[i] = d - removed;
    removed += end - d;
    removedUpTo[i] = removed;
    d = nextContinuation(source, end);
  }
  return (offset) => {
    // The last removal at or before `offset`.
    let lo = 0;
    let hi = count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid] <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? offset : offset + removedUpTo[found];
  };
}

/** What a parser asks of a line count (LineIndex, JoinedLineIndex). */
export interface LineCounter {
  /** Where the count stands: lineOf(at) needs no search. */
  readonly at: number;
  /** Moves the count from `at` to `to`, past `lineFeeds` line feeds the caller has seen there. */
  advance(to: number, lineFeeds: number): void;
  /** 1-based line of `offset`. */
  lineOf(offset: number): number;
}

/**
 * Source lines for offsets of a joined text (joinContinuations): the joined text's own count, which a parser
 * moves along as it does in a text without continuations, plus the line feeds that the continuations before
 * the offset removed. Those are found by a cursor over the continuations that moves forward with the
 * questions (nothing kept per continuation); a question behind it starts it over (parsers ask in order: only
 * a failing block's statements are asked about again, and the parse then fails).
 */
export class JoinedLineIndex implements LineCounter {
  readonly #lines: LineIndex;
  readonly #source: string;
  /** The pending continuation: at #dash in the source (-1: none left), #joinedAt in the joined text. */
  #dash = -1;
  #joinedAt = -1;
  /** Characters and line feeds the continuations before the pending one removed. */
  #removed = 0;
  #removedLineFeeds = 0;
  #asked = 0;

  constructor(source: string, joined: string) {
    this.#source = source;
    this.#lines = new LineIndex(joined);
    this.#restart();
  }

  get at(): number {
    return this.#lines.at;
  }

  advance(to: number, lineFeeds: number): void {
    this.#lines.advance(to, lineFeeds);
  }

  lineOf(offset: number): number {
    return this.#lines.lineOf(offset) + this.#lineFeedsRemovedUpTo(offset);
  }

  #restart(): void {
    this.#dash = nextContinuation(this.#source, 0);
    this.#joinedAt = this.#dash;
    this.#removed = 0;
    this.#removedLineFeeds = 0;
  }

  /** Line feeds removed before `offset` (a removal at `offset` lies before the character there, as in toSource). */
  #lineFeedsRemovedUpTo(offset: number): number {
    if (offset < this.#asked) this.#restart();
    this.#asked = offset;
    const source = this.#source;
    while (this.#dash >= 0 && this.#joinedAt <= offset) {
      const end = continuationEnd(source, this.#dash);
      for (let i = this.#dash + 1; i < end; i += 1) if (source.charCodeAt(i) === 0x0a) this.#removedLineFeeds += 1;
      this.#removed += end - this.#dash;
      this.#dash = nextContinuation(source, end);
      this.#joinedAt = this.#dash - this.#removed;
    }
    return this.#removedLineFeeds;
  }
}

const NO_LINE_FEED = Number.MAX_SAFE_INTEGER;

function lineFeedFrom(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i < 0 ? NO_LINE_FEED : i;
}

/**
 * 1-based line and column of offsets in a text, counting line feeds from the previous answer (forward or
 * back), so questions in order cost one pass and no per-line array.
 */
export class LineIndex implements LineCounter {
  #offset = 0;
  #line = 1;
  /** The first line feed at or after #offset (NO_LINE_FEED: none), or below #offset when not known. */
  #next = -1;

  constructor(readonly text: string) {}

  locate(offset: number): { line: number; column: number } {
    const line = this.lineOf(offset);
    const text = this.text;
    return { line, column: offset - (offset > 0 ? text.lastIndexOf('\n', offset - 1) + 1 : 0) + 1 };
  }

  /** Where the count stands: lineOf(at) needs no search. */
  get at(): number {
    return this.#offset;
  }

  /**
   * Moves the count from `at` to `to`, past `lineFeeds` line feeds the caller has seen there (a parser
   * counts those of the white space it skips anyway), so that lineOf(to) needs no search.
   */
  advance(to: number, lineFeeds: number): void {
    this.#offset = to;
    this.#line += lineFeeds;
    if (lineFeeds > 0 || this.#next < to) this.#next = -1;
  }

  /** 1-based line of `offset`, counting line feeds from the previous question's answer (asked in order: one pass). */
  lineOf(offset: number): number {
    if (offset === this.#offset) return this.#line;
    const text = this.text;
    let line = this.#line;
    if (offset >= this.#offset) {
      // The line feed found last time, past the previous question, is where this count starts: one search a line.
      let next = this.#next >= this.#offset ? this.#next : lineFeedFrom(text, this.#offset);
      while (next < offset) {
        line += 1;
        next = lineFeedFrom(text, next + 1);
      }
      this.#next = next;
    } else {
      for (let i = text.lastIndexOf('\n', this.#offset - 1); i >= offset; i = i > 0 ? text.lastIndexOf('\n', i - 1) : -1) line -= 1;
      this.#next = -1;
    }
    this.#offset = offset;
    this.#line = line;
    return line;
  }

  /** The text of the line holding `offset`, without its line end. */
  lineTextAt(offset: number): string {
    const start = offset > 0 ? this.text.lastIndexOf('\n', offset - 1) + 1 : 0;
    const next = this.text.indexOf('\n', offset);
    return this.text.slice(start, next < 0 ? this.text.length : next).replace(/\r$/, '');
  }
}
