import type { SandboxCatalog } from './catalog.js';
import { parseMicros } from './datetime.js';
import { propertyValue, updatedMicros } from './item-properties.js';

/** Reads one field of item `g` without building the item JSON. */
export type Accessor = (g: number) => unknown;

const START_FIELDS = new Set(['datetime', 'start_datetime']);

/**
 * A field as searches name it: `id`, `collection`, `bbox`, `properties.<name>` or a bare property name
 * (`gsd`, as the query extension and CQL2 write them). Returns the property name for properties.
 */
export function propertyName(field: string): string | undefined {
  if (field === 'id' || field === 'collection' || field === 'bbox' || field === 'geometry' || field === 'type') return undefined;
  return field.startsWith('properties.') ? field.slice('properties.'.length) : field;
}

export function fieldAccessor(catalog: SandboxCatalog, field: string): Accessor {
  switch (field) {
    case 'id':
      return (g) => catalog.id(g);
    case 'collection':
      return (g) => catalog.collectionId(g);
    case 'type':
      return () => 'Feature';
    case 'bbox':
      return (g) => [catalog.west[g], catalog.south[g], catalog.east[g], catalog.north[g]];
    case 'geometry':
      return () => undefined;
  }
  const name = propertyName(field) as string;
  if (START_FIELDS.has(name)) return (g) => catalog.datetime(g);
  return (g) => propertyValue(catalog, g, name);
}

/**
 * An accessor and a literal ready to compare. Comparisons with a date-time literal compare instants
 * (so `2009-01-01T00:00:00Z` and `2009-01-01T00:00:00.000000Z` are equal); on `datetime` they read the index.
 */
export function comparable(catalog: SandboxCatalog, field: string, literal: unknown): { get: Accessor; literal: unknown } {
  const micros = typeof literal === 'string' ? parseMicros(literal) : undefined;
  if (micros === undefined) return { get: fieldAccessor(catalog, field), literal };
  const name = propertyName(field);
  if (name !== undefined && START_FIELDS.has(name)) return { get: (g) => catalog.start[g], literal: micros };
  if (name === 'updated') return { get: (g) => updatedMicros(catalog, g), literal: micros }; // incremental windows: no string per item
  const read = fieldAccessor(catalog, field);
  return { get: (g) => toMicros(read(g)), literal: micros };
}

const toMicros = (value: unknown): unknown => (typeof value === 'string' ? (parseMicros(value) ?? value) : value);

/** Order of two JSON values of the same type (numbers, strings, booleans); undefined when they don't compare. */
export function compareValues(a: unknown, b: unknown): number | undefined {
  if (typeof a !== typeof b || a === null || b === null || a === undefined) return undefined;
  if (typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean') {
    return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0;
  }
  return undefined;
}

/** Equality as a search index sees it: an array field equals a value when one of its elements does. */
export function valueEquals(value: unknown, literal: unknown): boolean {
  if (Array.isArray(value) && !Array.isArray(literal)) return value.some((v) => compareValues(v, literal) === 0);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value) === JSON.stringify(literal);
  return compareValues(value, literal) === 0;
}
