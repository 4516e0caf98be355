import type { LineCounter } from '../continuation.js';
import type { PvlStatement, PvlValue } from '../model.js';
import { atLineEnd, isHSpace, isNameChar, nameUnitsEnd, resetCommentSearch, skippedLineFeeds, skipSpaceUnits, startsComment } from './chars.js';
import { codeUnitsOf } from './code-units.js';
import { plainDecimal, plainDecimalValue } from './decimal.js';
import { laneAssignment, laneRead } from './lane.js';
import { numberOrDate, resetNumberOrDate, scalarToken, tokenKind } from './scalars.js';
import { DEFER, quotedAt, symbol, tokenValue, trimWhite } from './values.js';
import { Reserved, reservedKind, reservedWord } from './words.js';

/**
 * pvl.ohm's syntactic rules as a recursive-descent parser: one function per rule, in the grammar's order,
 * with ohm's semantics for syntactic rules (spaces and comments skipped before each part, a failed part
 * restores the offset) and PEG's (ordered choice, no backtracking into a repetition). Each function takes
 * an offset and returns the end of its match or -1; the node it built is left in `node`.
 *
 * Keep in step with pvl.ohm: test/pvl/differential.test.ts compares the two on the corpus and on fuzzed text.
 */

/**
 * The grammar this parser mirrors: SHA-256 of pvl.ohm without its `//` comments, white space runs made one
 * space. test/pvl/fast.test.ts fails when pvl.ohm changes: compare the rules here and in scalars.ts with the
 * new grammar, run the differential tests, then put the new hash here.
 */
export const MIRRORED_GRAMMAR_SHA256 = 'e7508587ac3bbdb04dc230b2d1c392f1341415e913ad2d2ae8105783cf5c7a4a';

const NO_UNITS = new Uint16Array(2);
/** Locating mode's line count: lines are never asked there. */
const NO_LINES: LineCounter = { at: -1, advance: () => undefined, lineOf: () => 0 };

let s = '';
/** `s`'s code units (code-units.ts), for the loops that scan most of the text. */
let u: Uint16Array = NO_UNITS;
/** Source lines of the text's offsets: `spaces` and the fast lane move the count along. */
let lines: LineCounter = NO_LINES;
/** What the last successful rule built. */
let node: unknown;
/** Blocks and lists open around the current offset (capped by MAX_PVL_DEPTH). */
let depth = 0;

/**
 * Blocks, sequences and sets inside each other, at most. ISIS and PDS3 labels nest 3 or 4 deep; deeper
 * nesting is refused (PvlNestingTooDeep) before any recursive code (this parser, ohm, the document's
 * readers) can overflow its stack on it.
 */
export const MAX_PVL_DEPTH = 64;

/** Thrown (not an Error: nothing to capture) when nesting goes past MAX_PVL_DEPTH; `offset` is the opening. */
export class PvlNestingTooDeep {
  constructor(readonly offset: number) {}
}

/**
 * Where a text the parser declines goes wrong, found by a second run of the parser in locating mode (see
 * locateFailure): the rightmost offset at which a rule failed, and where a grammar could start reading to
 * meet that failure again: `windowStart`, the start of the last statement that parsed before the failure
 * inside the innermost open block (or that block's first statement), and the blocks open there (offsets of
 * each block's `OBJECT = Name` header, outermost first). `deferredAt` is set instead when the grammar
 * matched and only its semantics could reject (a digit outside its radix, an END_OBJECT naming another
 * block): the offset of the first such value.
 */
export interface FailureSite {
  readonly offset: number;
  readonly windowStart: number;
  readonly blocks: ReadonlyArray<readonly [start: number, end: number]>;
  readonly deferredAt?: number;
  /** What the semantics would say at `deferredAt`, when the parser knows it. */
  readonly reason?: string;
}

/** Locating mode: failures are noted (note()), semantic rejections recorded instead of thrown. */
let locating = false;
let farthest = -1;
/** The farthest failure's window start and open blocks, copied in place (a new site per failure was garbage). */
let siteWindowStart = 0;
const siteBlocks: number[] = [];
let deferred: FailureSite | undefined;
/**
 * Open blocks' headers (start, end: two numbers per block, no tuple per block), and per level the start of
 * the statement a window would begin with.
 */
let openBlocks: number[] = [];
let levelStarts: number[] = [];

const EQ = 0x3d;
const SEMI = 0x3b;
const LF = 0x0a;
const DQUOTE = 0x22;
const QUOTE = 0x27;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COMMA = 0x2c;
const LT = 0x3c;
const HASH = 0x23;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;

/**
 * Parse `text` (continuations already joined) into statements; `sourceLines` gives the 1-based source line
 * of an offset (the parser tells it of the line feeds it skips, so that it seldom searches). Returns
 * undefined where the grammar would fail, throws DEFER where only its semantics could say.
 */
export function parseStatements(text: string, sourceLines: LineCounter): PvlStatement[] | undefined {
  s = text;
  u = codeUnitsOf(text);
  lines = sourceLines;
  depth = 0;
  spacesFrom = -1;
  reservedFrom = -1;
  resetCommentSearch();
  resetNumberOrDate();
  try {
    return module();
  } finally {
    s = '';
    u = NO_UNITS;
    lines = NO_LINES;
    node = undefined;
    resetNumberOrDate();
  }
}

/**
 * Runs the parser over `text` (continuations joined) in locating mode and says where it fails (FailureSite),
 * or undefined when it parses. Costs one more parse of the text (no ohm, no memo): the grammar then needs to
 * see only the window around the site to give its message. Throws PvlNestingTooDeep as parsing does.
 */
export function locateFailure(text: string): FailureSite | undefined {
  locating = true;
  farthest = -1;
  siteBlocks.length = 0;
  deferred = undefined;
  openBlocks = [];
  levelStarts = [0];
  try {
    const statements = parseStatements(text, NO_LINES);
    if (deferred !== undefined) return deferred;
    if (statements !== undefined) return undefined;
    return farthest < 0 ? { offset: 0, windowStart: 0, blocks: [] } : { offset: farthest, windowStart: siteWindowStart, blocks: headerPairs(siteBlocks) };
  } finally {
    locating = false;
    siteBlocks.length = 0;
    deferred = undefined;
    openBlocks = [];
    levelStarts = [];
  }
}

/** Locating mode: a rule failed at `offset`; the rightmost failure is the one the grammar reports. */
function note(offset: number): void {
  if (!locating || offset <= farthest) return;
  farthest = offset;
  siteWindowStart = levelStarts[levelStarts.length - 1];
  siteBlocks.length = openBlocks.length;
  for (let i = 0; i < openBlocks.length; i += 1) siteBlocks[i] = openBlocks[i];
}

/** [start, end] of each block header in a flat list of offsets. */
function headerPairs(flat: readonly number[]): Array<readonly [number, number]> {
  const pairs: Array<readonly [number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  return pairs;
}

/** A semantic rejection at `offset`: thrown (DEFER) when parsing, recorded (the first) when locating. */
function defer(offset: number, reason?: string): void {
  if (!locating) throw DEFER;
  deferred ??= { offset, windowStart: levelStarts[levelStarts.length - 1], blocks: headerPairs(openBlocks), deferredAt: offset, ...(reason ? { reason } : {}) };
}

/**
 * skipSpaces on the text being parsed, remembering the last answer: the white space after a value is asked
 * about three times (units?, `;`?, the next statement), and it is most of a label's white space.
 */
let spacesFrom = -1;
let spacesTo = -1;

function spaces(p: number): number {
  if (p !== spacesFrom) {
    spacesFrom = p;
    spacesTo = skipSpaceUnits(u, s, p);
    // The line count follows the parser through the white space between statements.
    if (lines.at === p) lines.advance(spacesTo, skippedLineFeeds);
  }
  return spacesTo;
}

function lineFeedsIn(from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) if (u[i] === LF) n += 1;
  return n;
}

/** 1-based source line of `offset`. */
function lineAt(offset: number): number {
  return lines.lineOf(offset);
}

/** The count moves past a token (it holds `lineFeeds`) when it stands at the token's start. */
function countPast(from: number, to: number, lineFeeds: number): void {
  if (lines.at === from) lines.advance(to, lineFeeds);
}

/** One more block or list open at `offset`. */
function enter(offset: number): void {
  depth += 1;
  if (depth > MAX_PVL_DEPTH) throw new PvlNestingTooDeep(offset);
}

/** `Module = Statement* EndStatement?`, then (the start rule is syntactic) spaces and the end. */
function module(): PvlStatement[] | undefined {
  const statements: PvlStatement[] = [];
  let p = 0;
  for (let q = statement(p); q >= 0; q = statement(p)) {
    if (!locating) statements.push(node as PvlStatement); // locating keeps no model: it dies young
    if (locating) levelStarts[levelStarts.length - 1] = spaces(p);
    p = q;
  }
  const e = endStatement(p);
  if (e >= 0) p = e;
  const end = spaces(p);
  if (end >= s.length) return statements;
  note(end);
  return undefined;
}

/** `EndStatement = end_ rest`: END, then anything (never looked at). */
function endStatement(p: number): number {
  return reservedWordAt(spaces(p)) >= 0 && reservedWhich === Reserved.End ? s.length : -1;
}

/** reservedWord at `q`, with which word it is in `reservedWhich`; the last answer is remembered (a block's end word is asked twice). */
let reservedFrom = -1;
let reservedTo = -1;
let reservedWhich: Reserved = Reserved.End;

function reservedWordAt(q: number): number {
  if (q !== reservedFrom) {
    reservedFrom = q;
    reservedTo = reservedWord(s, u, q);
    reservedWhich = reservedKind;
  }
  return reservedTo;
}

/** `Statement = (Block | Assignment | bareKeyword) ";"?` */
function statement(p: number): number {
  const q = spaces(p);
  let r: number;
  // A reserved word starts nothing but a block (a name is never one): one look decides which rules to try.
  if (mayStartReservedWord(q) && reservedWordAt(q) >= 0) {
    // A block's end word is no statement (the block then reads it again, from reservedWordAt's memo).
    r = reservedWhich === Reserved.BeginObject || reservedWhich === Reserved.BeginGroup ? block(q, reservedWhich, reservedTo) : -1;
  } else {
    r = locating ? -1 : commonAssignment(q);
    if (r < 0) r = assignment(q);
    if (r < 0) r = bareKeyword(q);
  }
  if (r < 0) {
    note(q);
    return -1;
  }
  const t = spaces(r);
  if (u[t] !== SEMI) return r;
  countPast(t, t + 1, 0);
  return t + 1;
}

/**
 * `Block = ObjectBlock | GroupBlock`, with
 * `ObjectBlock = beginObject "=" BlockName ";"? Statement* (EndObject | &EndStatement)` (GroupBlock alike):
 * END closes the blocks still open.
 */
function block(q: number, opening: Reserved, wordEnd: number): number {
  const type = opening === Reserved.BeginObject ? 'object' : 'group';
  let r = spaces(wordEnd);
  if (s.charCodeAt(r) !== EQ) return -1;
  r = blockName(r + 1);
  if (r < 0) return -1;
  const name = node as string;
  const line = lineAt(q);
  // The line count follows past the header (and the end word, below): a block's statements need no search.
  countPast(q, r, lineFeedsIn(q, r));
  const t = spaces(r);
  if (s.charCodeAt(t) === SEMI) r = t + 1;
  const statements: PvlStatement[] = [];
  enter(q);
  if (locating) {
    openBlocks.push(q, r);
    levelStarts.push(r);
  }
  for (let next = statement(r); next >= 0; next = statement(r)) {
    if (!locating) statements.push(node as PvlStatement); // locating keeps no model: it dies young
    if (locating) levelStarts[levelStarts.length - 1] = spaces(r);
    r = next;
  }
  depth -= 1;
  if (locating) {
    openBlocks.length -= 2;
    levelStarts.pop();
  }
  // EndObject = endObject EndLabel?; EndLabel = "=" BlockName
  const w = spaces(r);
  const closing = reservedWordAt(w) >= 0 ? reservedWhich : undefined;
  if (closing !== (type === 'object' ? Reserved.EndObject : Reserved.EndGroup)) {
    note(w);
    if (closing !== Reserved.End) return -1;
    node = { type, name, line, statements };
    return r;
  }
  r = reservedTo;
  countPast(w, r, 0);
  const e = spaces(r);
  if (s.charCodeAt(e) === EQ) {
    const n = blockName(e + 1);
    if (n >= 0) {
      // The semantics reject a different name after the end word; let them say so.
      if ((node as string).toLowerCase() !== name.toLowerCase()) {
        defer(spaces(e + 1), `expected the block's name '${name}' after END_${type.toUpperCase()} =, found '${node as string}'`);
      }
      r = n;
    }
  }
  node = { type, name, line, statements };
  return r;
}

/** `BlockName = name | quotedString`: the name as written, or the quoted string's value. */
function blockName(p: number): number {
  const q = spaces(p);
  const r = name(q);
  if (r >= 0) {
    node = s.slice(q, r);
    return r;
  }
  const end = quotedEnd(q);
  if (end < 0) return -1;
  node = quotedAt(s, u, q + 1, end - 1).value;
  return end;
}

/** `Assignment = name "=" Value?` */
function assignment(q: number): number {
  const r = name(q);
  if (r < 0) return -1;
  const t = spaces(r);
  if (s.charCodeAt(t) !== EQ) return -1;
  const line = lineAt(q);
  const v = value(t + 1);
  if (v < 0) {
    node = { type: 'assignment', name: s.slice(q, r), line, value: { type: 'empty' } };
    return t + 1;
  }
  node = { type: 'assignment', name: s.slice(q, r), line, value: node };
  return v;
}

/** Whether a reserved word may start at `q`: b, o or g, or e then n, in either case (most names are ruled out here). */
function mayStartReservedWord(q: number): boolean {
  const c = u[q] | 0x20;
  return c === 0x6f || c === 0x67 || c === 0x62 || (c === 0x65 && (u[q + 1] | 0x20) === 0x6e);
}

/**
 * `Assignment` by the fast lane (lane.ts), where it applies; -1 where the rules must decide. Called where no
 * reserved word starts.
 */
function commonAssignment(q: number): number {
  let e = laneAssignment(s, u, q);
  if (e < 0) return -1;
  const value = laneRead.value;
  laneRead.value = undefined;
  const line = lineAt(q);
  // No line feed in a name, a number or a word (a quoted string's are searched for when the next line is asked).
  if (!laneRead.quoted) countPast(q, e, 0);
  // Value = ~(name "=") Item: a word followed by `=` is the next statement's name.
  if (laneRead.word && u[spaces(e)] === EQ) return -1;
  node = value;
  e = withUnits(e);
  node = { type: 'assignment', name: s.slice(q, laneRead.nameEnd), line, value: node };
  return e;
}

/** `bareKeyword = name hspace* &(lineEnd | ";" | comment)` (lexical: no skipping inside). */
function bareKeyword(q: number): number {
  const r = name(q);
  if (r < 0) return -1;
  let t = r;
  while (isHSpace(s.charCodeAt(t))) t += 1;
  if (!(atLineEnd(s, t) || s.charCodeAt(t) === SEMI || startsComment(s, t))) return -1;
  node = { type: 'assignment', name: s.slice(q, r), line: lineAt(q), value: { type: 'empty' } };
  return t;
}

/** `Value = ~(name "=") Item units?` */
function value(p: number): number {
  const q = spaces(p);
  const n = name(q);
  if (n >= 0 && s.charCodeAt(spaces(n)) === EQ) return -1;
  // Item = Sequence | Set | scalar
  const c = s.charCodeAt(q);
  const r = c === LPAREN || c === LBRACE ? list(q, c) : scalar(q);
  return r < 0 ? -1 : withUnits(r);
}

/** `units?` after a value: `"<" (~">" any)* ">"`, the text trimmed. */
function withUnits(r: number): number {
  const t = spaces(r);
  if (s.charCodeAt(t) !== LT) return r;
  const gt = s.indexOf('>', t + 1);
  if (gt < 0) return r;
  node = { type: 'quantity', value: node, units: trimWhite(s.slice(t + 1, gt)) };
  if (lines.at === t) lines.advance(gt + 1, lineFeedsIn(t, gt)); // (countPast, the line feeds counted only when wanted)
  return gt + 1;
}

/**
 * `Sequence = "(" ListOf<Element, ","> ")"` and `Set = "{" ListOf<Element, ","> "}"` (`q` at the opening
 * bracket), with `ListOf<e, sep> = e (sep e)* | (nothing)`.
 */
function list(q: number, open: number): number {
  enter(q);
  const items: PvlValue[] = [];
  let r = q + 1;
  let e = element(r);
  if (e >= 0) {
    if (!locating) items.push(node as PvlValue); // locating keeps no model: a 2 MB list would stay whole
    r = e;
    for (;;) {
      const t = spaces(r);
      if (s.charCodeAt(t) !== COMMA) break;
      e = element(t + 1);
      if (e < 0) break;
      if (!locating) items.push(node as PvlValue);
      r = e;
    }
  }
  depth -= 1;
  const t = spaces(r);
  if (s.charCodeAt(t) !== (open === LPAREN ? RPAREN : RBRACE)) {
    note(t);
    return -1;
  }
  node = { type: open === LPAREN ? 'sequence' : 'set', items };
  return t + 1;
}

/** `Element = (Sequence | Set | scalar | wordSymbol) units?` */
function element(p: number): number {
  const q = spaces(p);
  const c = s.charCodeAt(q);
  let r: number;
  // `(` and `{` start nothing but a sequence or a set.
  if (c === LPAREN || c === LBRACE) r = list(q, c);
  else {
    r = scalar(q);
    if (r < 0) {
      r = reservedWordAt(q);
      if (r < 0) return -1;
      node = symbol(s.slice(q, r));
    }
  }
  return r < 0 ? -1 : withUnits(r);
}

/** `scalar = quotedString | scalarToken | symbol` (lexical). */
function scalar(q: number): number {
  const c = s.charCodeAt(q);
  if (c === DQUOTE || c === QUOTE) {
    const end = quotedEnd(q);
    if (end >= 0) {
      // Locating needs no value, and folding a long string's white space costs many times its size.
      node = locating ? LOCATED_VALUE : quotedAt(s, u, q + 1, end - 1);
      return end;
    }
    return -1; // a quote starts neither a number nor a symbol
  }
  let r = plainNumber(q);
  if (r >= 0) return r;
  r = scalarToken(s, q);
  if (r >= 0) {
    node = locating ? tokenValueOrDefer(q, r) : tokenValue(tokenKind, s.slice(q, r));
    return r;
  }
  // symbol = ~reservedWord nameChar+ wordEnd
  if (reservedWordAt(q) >= 0) return -1;
  r = nameUnitsEnd(u, q);
  // (No nameChar where the run stops: wordEnd fails only on `#`.)
  if (r === q || u[r] === HASH) return -1;
  node = symbol(s.slice(q, r));
  return r;
}

/**
 * A plain decimal (decimal.ts) at `q`, read with its value in one pass: the numbers of lists (the lane takes
 * those of one-line statements). -1 where scalarToken must decide.
 */
function plainNumber(q: number): number {
  const c = u[q];
  if (!((c >= 0x30 && c <= 0x39) || c === MINUS || c === PLUS || c === DOT)) return -1;
  const end = plainDecimal(u, s.length, q);
  if (end < 0) return -1;
  if (locating) {
    node = LOCATED_VALUE;
    return end;
  }
  const value = plainDecimalValue(s.slice(q, end));
  if (value === undefined) return -1;
  node = value;
  return end;
}

/** What a quoted string or a number is while locating: values are never looked at, only rejected. */
const LOCATED_VALUE: PvlValue = { type: 'string', value: '', quoted: true };

/**
 * tokenValue in locating mode: a value only the semantics reject is recorded (defer), not thrown. Only a
 * based integer (the one token with a `#`) can be rejected; the others are not built (a 2 MB list of numbers
 * made 40 MB of garbage).
 */
function tokenValueOrDefer(q: number, r: number): PvlValue {
  let hash = q;
  while (hash < r && s.charCodeAt(hash) !== HASH) hash += 1;
  if (hash === r) return LOCATED_VALUE;
  try {
    return tokenValue(tokenKind, s.slice(q, r));
  } catch (err) {
    if (err !== DEFER) throw err;
    defer(q);
    return symbol(s.slice(q, r));
  }
}

/** `quotedString = "\"" (~"\"" any)* "\"" | "'" (~"'" any)* "'"` at q: the end after the closing quote, or -1. */
function quotedEnd(q: number): number {
  const c = s.charCodeAt(q);
  if (c !== DQUOTE && c !== QUOTE) return -1;
  const close = s.indexOf(c === DQUOTE ? '"' : "'", q + 1);
  return close < 0 ? -1 : close + 1;
}

// -- Lexical rules on names (reserved words: words.ts) -------------------------------------------

/** `name = ~reservedWord ~numberOrDate nameChar+ wordEnd` */
function name(p: number): number {
  if (!isNameChar(s, p) || reservedWordAt(p) >= 0 || numberOrDate(s, p) >= 0) return -1;
  const r = nameUnitsEnd(u, p);
  return u[r] !== HASH ? r : -1;
}
