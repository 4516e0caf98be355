import type { Entry } from '../../entry.js';
import { STACFLOW_PREFIX } from '../catalog-item.js';
import { FAILED_COLUMN } from '../columns.js';
import { localCopies } from '../local-files.js';
import { instantMicros, JSON_TYPE, mergeTypes, STRING_TYPE, TIMESTAMP_TYPE, typeOfValue, WKB_TYPE, type ValueType } from './value-type.js';
import { boundsOf, isGeoJsonGeometry } from './wkb.js';

/**
 * The column plan of stac-geoparquet 1.1: one row per entry, its values by column name, in this order:
 *   stac_extensions (a list, empty when the item has none), id, geometry (WKB), bbox ({xmin, ymin, xmax, ymax},
 *   from the item's bbox, else from its geometry), links (a list of structs), assets (a struct of asset structs),
 *   collection, stac_version, then each property lifted to a top-level column (datetimes as timestamps, GeoJSON
 *   geometries such as `proj:geometry` as WKB, arrays of scalars as lists, other objects as JSON text), then the pipeline's own columns: `stacflow:<name>` for each
 *   scalar or list field a step set (`select` names; label documents are left out), `file:<asset>` for each local
 *   copy the download step wrote (its path; not for a failed download), and `stacflow:failed` (stage: message) for a failed entry.
 * A property named like a top-level column (`id`, `links`...) cannot be lifted (the spec does not allow it): it
 * goes to the spill column with the values that do not fit (see writer.ts).
 */
export const TOP_LEVEL = ['stac_extensions', 'id', 'geometry', 'bbox', 'links', 'assets', 'collection', 'stac_version'] as const;

/** The column the GeoParquet `geo` metadata names primary, and its bbox covering. */
export const PRIMARY_COLUMN = 'geometry';
export const BBOX_COLUMN = 'bbox';

const BBOX_TYPE: ValueType = { kind: 'struct', fields: new Map(['xmin', 'ymin', 'xmax', 'ymax'].map((k) => [k, { kind: 'double' }])) };

/** Columns whose type does not depend on the data. */
export const FIXED_TYPES: ReadonlyMap<string, ValueType> = new Map<string, ValueType>([
  ['stac_extensions', { kind: 'list', item: STRING_TYPE }],
  ['id', STRING_TYPE],
  [PRIMARY_COLUMN, WKB_TYPE],
  [BBOX_COLUMN, BBOX_TYPE],
  ['collection', STRING_TYPE],
  ['stac_version', STRING_TYPE],
  [FAILED_COLUMN.name, STRING_TYPE],
]);

/** The columns written as nested structs; other objects (proj:projjson, cube:dimensions) are JSON text. */
const STRUCT_COLUMNS = new Set(['links', 'assets']);

/** An object, or an array holding an object: JSON text, so that deep documents cost one column, not hundreds. */
function isDocument(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || value instanceof Date) return false;
  return !Array.isArray(value) || value.some((v) => typeof v === 'object' && v !== null);
}

/** STAC's datetime properties (common metadata): written as timestamps when they read as ISO instants. */
const DATETIME_PROPERTIES = new Set(['datetime', 'start_datetime', 'end_datetime', 'created', 'updated', 'expires', 'published', 'unpublished']);

export const FAILED = `${STACFLOW_PREFIX}${FAILED_COLUMN.name}`;

/** A row: column name to value (not converted yet), in column order; `collisions` are properties not lifted. */
export interface ItemRow {
  readonly values: Map<string, unknown>;
  readonly collisions: Record<string, unknown>;
}

export function itemRow(entry: Entry, includeFailed: boolean): ItemRow {
  const { item } = entry;
  const values = new Map<string, unknown>([
    ['stac_extensions', Array.isArray(item.stac_extensions) ? item.stac_extensions : []],
    ['id', item.id],
    [PRIMARY_COLUMN, item.geometry ?? null],
    [BBOX_COLUMN, bboxStruct(item.bbox) ?? boundsStruct(item.geometry)],
    ['links', item.links ?? []],
    ['assets', item.assets ?? {}],
    ['collection', item.collection ?? null],
    ['stac_version', item.stac_version ?? null],
  ]);
  const collisions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item.properties ?? {})) {
    if (values.has(name)) collisions[`properties.${name}`] = value;
    else values.set(name, value);
  }
  for (const [name, value] of Object.entries(entry.fields)) {
    if (isFieldValue(value)) values.set(`${STACFLOW_PREFIX}${name}`, value);
  }
  for (const [asset, file] of localCopies(entry)) values.set(`file:${asset}`, file.path);
  if (includeFailed) values.set(FAILED, FAILED_COLUMN.read(entry));
  return { values, collisions };
}

/** The type a value gives its column: fixed ones, then datetimes and geometries at the top, then by shape. */
export function typeOfColumnValue(column: string, value: unknown): ValueType {
  const fixed = FIXED_TYPES.get(column);
  if (fixed) return fixed;
  if (typeof value === 'string' && DATETIME_PROPERTIES.has(column) && instantMicros(value) !== undefined) return TIMESTAMP_TYPE;
  if (isGeoJsonGeometry(value)) return WKB_TYPE;
  if (!STRUCT_COLUMNS.has(column) && isDocument(value)) return JSON_TYPE;
  return typeOfValue(value);
}

/** Learns a column's type from one more value. */
export function learn(known: ValueType | undefined, column: string, value: unknown): ValueType {
  const seen = typeOfColumnValue(column, value);
  return known === undefined ? seen : mergeTypes(known, seen);
}

function bboxStruct(bbox: unknown): Record<string, number> | null {
  if (!Array.isArray(bbox) || !bbox.every((n) => typeof n === 'number')) return null;
  // A 3D bbox is [xmin, ymin, zmin, xmax, ymax, zmax]: the covering is 2D.
  if (bbox.length === 4) return { xmin: bbox[0], ymin: bbox[1], xmax: bbox[2], ymax: bbox[3] };
  if (bbox.length === 6) return { xmin: bbox[0], ymin: bbox[1], xmax: bbox[3], ymax: bbox[4] };
  return null;
}

function boundsStruct(geometry: unknown): Record<string, number> | null {
  const box = isGeoJsonGeometry(geometry) ? boundsOf(geometry) : undefined;
  return box ? { xmin: box[0], ymin: box[1], xmax: box[2], ymax: box[3] } : null;
}

/** Field values that make a column: scalars, dates and lists; not label documents or other objects. */
function isFieldValue(value: unknown): boolean {
  return value === null || typeof value !== 'object' || value instanceof Date || Array.isArray(value);
}
