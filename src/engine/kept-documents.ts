import type { Entry } from '../entry.js';
import type { ItemOutcome } from './run-state.js';

/**
 * Label documents (`fetch_label`'s `as`: a parsed caminfo label, ~10 KB of JSON an item) in the entries an
 * incremental state keeps. A done or dropped entry is kept without them: they are most of the state's size
 * and of the cost of recording; its selected values stay, so a snapshot's carried rows have them (a column
 * that names a label path directly is empty for those rows). A failed entry keeps them (few items): its retry
 * goes on past the label read, so they come back as documents that answer path queries again.
 */
const KEPT = 'stacflow:document';

/**
 * The entry as the state keeps it after `outcome`. A dropped one only as its id: nothing reads it back (an
 * unchanged dropped item is dropped again without work, a changed one is worked from its new version), and
 * storing the whole item for a third of a catalog was a third of the state's recording cost.
 */
export function storable(entry: Entry, outcome: ItemOutcome): Entry {
  if (outcome === 'dropped') {
    const { id, collection } = entry.item;
    return { item: { type: 'Feature', id, ...(collection !== undefined ? { collection } : {}), geometry: null, properties: {}, assets: {} }, fields: {}, files: {}, failures: [] };
  }
  if (!Object.values(entry.fields).some(isDocument)) return entry;
  const fields = Object.entries(entry.fields).flatMap(([name, value]): Array<[string, unknown]> => {
    if (!isDocument(value)) return [[name, value]];
    return outcome === 'failed' ? [[name, { [KEPT]: value }]] : [];
  });
  return { ...entry, fields: Object.fromEntries(fields) };
}

/** The fields of an entry the state kept, its documents answering path queries again. */
export function keptFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, isKept(value) ? new KeptDocument(value[KEPT]) : value]));
}

/** A document that answers path queries itself (src/fields/field-path.ts PathQueryable: a parsed PVL label). */
const isDocument = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Map) && typeof (value as { get?: unknown }).get === 'function';

const isKept = (value: unknown): value is { [KEPT]: unknown } =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && Object.hasOwn(value, KEPT);

/**
 * A label document as its JSON (what `toJSON` gave: an object of names → values), answering `get(path)` as
 * the document did: names joined by `.`, matched exactly then ignoring case, `[i]` indexes. One difference:
 * a name the label repeats reads as the array of its values (the document answered with the first).
 */
export class KeptDocument {
  constructor(private readonly json: unknown) {}

  get(path: string): unknown {
    let at: unknown = this.json;
    for (const segment of path.split('.')) {
      const [, name, indexes = ''] = /^([^[]*)((?:\[\d+\])*)$/.exec(segment) ?? [];
      if (name === undefined) return undefined;
      at = member(at, name);
      for (const [, index] of indexes.matchAll(/\[(\d+)\]/g)) at = Array.isArray(at) ? at[Number(index)] : undefined;
      if (at === undefined) return undefined;
    }
    return at;
  }

  toJSON(): unknown {
    return this.json;
  }
}

function member(value: unknown, name: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, name)) return record[name];
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}
