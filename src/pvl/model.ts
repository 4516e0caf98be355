/**
 * The PVL document model: what `parsePvl` (ohm) and the fast parser (`src/pvl/fast/`) both produce, node for
 * node. Plain, JSON-friendly objects with a `type` tag; nothing here depends on a parser.
 *
 * A document is a list of statements in file order (repeated names are kept):
 *
 *     Object = Caminfo                  { type: 'object', name: 'Caminfo', line: 1, statements: [...] }
 *       Lines = 1024                    { type: 'assignment', name: 'Lines', line: 2,
 *                                         value: { type: 'integer', value: 1024, decimal: '1024' } }
 *     End_Object
 *
 * Names are as written (case kept: `^IMAGE`, `ISIS:KEY`); lookups ignore case (see PvlDocument).
 * Values keep what a reader could need exactly (integer digits, the text of reals and dates); the canonical
 * JSON of the conformance corpus is derived from them (canonical.ts) and never stored.
 */

/** `Object = X ... End_Object` and `Group = X ... End_Group` (any spelling: BEGIN_OBJECT, EndGroup ...). */
export interface PvlBlock {
  readonly type: 'object' | 'group';
  readonly name: string;
  /** 1-based line of the block's first word. */
  readonly line: number;
  readonly statements: readonly PvlStatement[];
}

/** `NAME = VALUE`, or `NAME =` / `NAME` alone (ISIS), whose value is `{ type: 'empty' }`. */
export interface PvlAssignment {
  readonly type: 'assignment';
  readonly name: string;
  /** 1-based line of the name. */
  readonly line: number;
  readonly value: PvlValue;
}

export type PvlStatement = PvlAssignment | PvlBlock;

/** A quoted string or an unquoted symbol (`N/A`, `UNK`, `$base/kernels/x.tls`, `LT+S`). */
export interface PvlString {
  readonly type: 'string';
  /** Quotes removed; in a quoted string each run of white space became one space, outer space trimmed. */
  readonly value: string;
  /** Written in `"..."` or `'...'`. */
  readonly quoted: boolean;
}

/** An integer, decimal (`-75`) or based (`16#-4B#`). */
export interface PvlInteger {
  readonly type: 'integer';
  /** As a JS number (may round beyond 2^53: use `decimal` when exactness matters). */
  readonly value: number;
  /** The exact value in decimal digits, sign only when negative: `-75` for `16#-4B#`, `7` for `+007`. */
  readonly decimal: string;
}

/** A real (`123.`, `-.9981`, `-1.E-3`, `1.79769313486232e+308`). */
export interface PvlReal {
  readonly type: 'real';
  /** The nearest IEEE double (Infinity when the text overflows). */
  readonly value: number;
  /** The token as written. */
  readonly text: string;
}

/** `TRUE` / `FALSE`, any case. */
export interface PvlBoolean {
  readonly type: 'boolean';
  readonly value: boolean;
}

/** `NULL`, any case (`N/A` and `UNK` are symbols, i.e. strings, as in ODL). */
export interface PvlNull {
  readonly type: 'null';
}

/** A time zone: `Z`, or a UTC offset as `±HH:MM` (`+7`, `+07`, `+0700` are all `+07:00`). */
export type PvlZone = 'Z' | `${'+' | '-'}${string}`;

/** `1990-06-07` or `1990-158` (day of year). */
export interface PvlDate {
  readonly type: 'date';
  /** The token as written. */
  readonly text: string;
  /** ISO 8601 calendar date `YYYY-MM-DD` (day-of-year converted). */
  readonly iso: string;
}

/** `01:10:39.4575+07`, `12:00Z`. */
export interface PvlTime {
  readonly type: 'time';
  readonly text: string;
  /** `HH:MM:SS[.fraction][zone]`: seconds always, the fraction's digits exactly as written (7 stay 7). */
  readonly iso: string;
  /** Absent when the text has no zone (PVL reads such times as UTC). */
  readonly zone?: PvlZone;
}

/** `2001-01-01T01:10:39+7`, `1977-07-09T20:05:51.5549999`, `1995-360T14:02:13Z`. */
export interface PvlDateTime {
  readonly type: 'datetime';
  readonly text: string;
  /** `YYYY-MM-DDTHH:MM:SS[.fraction][zone]`: calendar date, fraction exactly as written, zone as `Z` or `±HH:MM`. */
  readonly iso: string;
  /** Absent when the text has no zone (PVL reads such date-times as UTC). */
  readonly zone?: PvlZone;
}

/** A value followed by units: `30 <KM/SEC>`, `(1, 2) <DEG>`. */
export interface PvlQuantity {
  readonly type: 'quantity';
  readonly value: PvlValue;
  /** The text between `<` and `>` with outer white space trimmed. */
  readonly units: string;
}

/** `( ... )`, possibly nested. */
export interface PvlSequence {
  readonly type: 'sequence';
  readonly items: readonly PvlValue[];
}

/** `{ ... }`: items in written order (duplicates kept; canonical JSON de-duplicates and sorts). */
export interface PvlSet {
  readonly type: 'set';
  readonly items: readonly PvlValue[];
}

/** `NAME =` with nothing after it, or an ISIS keyword alone on its line (`Auto`). */
export interface PvlEmpty {
  readonly type: 'empty';
}

export type PvlDateLike = PvlDate | PvlTime | PvlDateTime;
export type PvlScalar = PvlString | PvlInteger | PvlReal | PvlBoolean | PvlNull | PvlDateLike;
export type PvlValue = PvlScalar | PvlQuantity | PvlSequence | PvlSet | PvlEmpty;

/** The parsed text: the statements before END (or before the end of the text). */
export interface PvlModule {
  readonly statements: readonly PvlStatement[];
}

/**
 * What `PvlDocument.get` returns: plain JS for pipelines and field paths.
 * string → string; integer, real → number; boolean; null and empty → null; date/time/date-time → its `iso`;
 * quantity → `{ value, units }` (what field paths read as a number, with `@units`); sequence, set → array;
 * a block → a queryable view (`get(path)`, `statements`; JSON as an object of its keys).
 */
export type PvlPlain = string | number | boolean | null | PvlPlainQuantity | readonly PvlPlain[] | PvlQueryable;

export interface PvlPlainQuantity {
  readonly value: PvlPlain;
  readonly units: string;
}

/** Anything answering case-insensitive path queries: a document or one of its blocks. */
export interface PvlQueryable {
  readonly statements: readonly PvlStatement[];
  get(path: string): PvlPlain | undefined;
}
