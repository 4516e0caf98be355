import type { PvlDateLike, PvlStatement, PvlValue, PvlZone } from './model.js';

/**
 * The canonical JSON of the conformance corpus (test/fixtures/pvl-corpus/README.md, "Canonical JSON"; a copy of shared/pvl-corpus):
 * a parser-independent form two PVL parsers can be compared in.
 *
 *     string → "text"            integer → {"int": "-75"}         real → {"real": 1.5} ("inf", "-inf", "nan")
 *     TRUE/FALSE/NULL → true/false/null                           sequence → [...]   set → {"set": [...]}
 *     date → {"date": "1990-06-07"}   time → {"time": "01:10:39.457500+07:00"}   date-time → {"datetime": ...}
 *     value <units> → {"value": V, "units": "KM"}   NAME = (nothing) → {"empty": line}
 *     OBJECT / GROUP block → {"object": [[name, V], ...]} / {"group": [...]}
 *
 * Times are Python `isoformat()`: seconds always, `.ffffff` (6 digits, truncated) only when non-zero, and
 * an offset `+HH:MM` (a time or date-time written without a zone is UTC, `+00:00`, as in the reference).
 * The model keeps the exact text (7-digit fractions included); only this form is cut to microseconds.
 */
export type CanonicalValue =
  | string
  | boolean
  | null
  | { int: string }
  | { real: number | 'inf' | '-inf' | 'nan' }
  | { date: string }
  | { time: string }
  | { datetime: string }
  | { value: CanonicalValue; units: string }
  | { set: CanonicalValue[] }
  | { empty: number }
  | { object: CanonicalStatement[] }
  | { group: CanonicalStatement[] }
  | CanonicalValue[];

export type CanonicalStatement = [string, CanonicalValue];

export interface CanonicalModule {
  module: CanonicalStatement[];
}

/** The canonical JSON structure of a document (or of any statement list). */
export function toCanonical(doc: { readonly statements: readonly PvlStatement[] }): CanonicalModule {
  return { module: doc.statements.map(canonicalStatement) };
}

export function canonicalStatement(st: PvlStatement): CanonicalStatement {
  switch (st.type) {
    case 'assignment':
      return [st.name, st.value.type === 'empty' ? { empty: st.line } : canonicalValue(st.value)];
    case 'object':
      return [st.name, { object: st.statements.map(canonicalStatement) }];
    case 'group':
      return [st.name, { group: st.statements.map(canonicalStatement) }];
  }
}

export function canonicalValue(value: PvlValue): CanonicalValue {
  switch (value.type) {
    case 'string':
      return value.value;
    case 'integer':
      return { int: value.decimal };
    case 'real':
      return { real: canonicalReal(value.value) };
    case 'boolean':
      return value.value;
    case 'null':
      return null;
    case 'empty':
      return { empty: 0 };
    case 'date':
      return { date: value.iso };
    case 'time':
      return { time: canonicalTime(value) };
    case 'datetime':
      return { datetime: canonicalTime(value) };
    case 'quantity':
      return { value: canonicalValue(value.value), units: value.units };
    case 'sequence':
      return value.items.map(canonicalValue);
    case 'set':
      return { set: canonicalSet(value.items) };
  }
}

const canonicalReal = (x: number): number | 'inf' | '-inf' | 'nan' =>
  Number.isFinite(x) ? x : Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';

/** `HH:MM:SS[.ffffff]±HH:MM` from a model time/date-time's iso text (whose fraction may have any length). */
function canonicalTime(value: PvlDateLike): string {
  const m = /^(.*?)(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$/.exec(value.iso);
  if (!m) return value.iso;
  const micro = (m[3] ?? '').slice(0, 6).padEnd(6, '0');
  const fraction = /^0+$/.test(micro) ? '' : `.${micro}`;
  return `${m[1]}${m[2]}${fraction}${canonicalZone(m[4] as PvlZone | undefined)}`;
}

const canonicalZone = (zone: string | undefined): string => (zone === undefined || zone === 'Z' ? '+00:00' : zone);

/**
 * Python set semantics: elements equal in Python (1, 1.0 and TRUE) collapse to the first; the rest is sorted
 * by canonical JSON text.
 */
function canonicalSet(items: readonly PvlValue[]): CanonicalValue[] {
  const seen = new Map<string, CanonicalValue>();
  for (const item of items) {
    const key = equalityKey(item);
    if (!seen.has(key)) seen.set(key, canonicalValue(item));
  }
  return [...seen.values()]
    .map((v) => [JSON.stringify(v), v] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, v]) => v);
}

function equalityKey(item: PvlValue): string {
  switch (item.type) {
    case 'integer':
      return `n:${item.decimal}`;
    case 'real':
      return Number.isInteger(item.value) ? `n:${BigInt(item.value)}` : Number.isNaN(item.value) ? `nan:${Math.random()}` : `n:${item.value}`;
    case 'boolean':
      return `n:${item.value ? 1 : 0}`;
    default:
      return `v:${JSON.stringify(canonicalValue(item))}`;
  }
}
