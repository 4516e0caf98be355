import type { StacAsset, StacItem } from '../../entry.js';
import { FILE_EXTENSION, STACFLOW_PREFIX } from '../catalog-item.js';
import { BBOX_COLUMN, PRIMARY_COLUMN } from './item-row.js';
import { wkbToGeometry, WkbReadError } from './wkb-read.js';

/**
 * A stac-geoparquet row back to a STAC Item, the inverse of item-row.ts (and of other writers' files):
 *   stac_version, stac_extensions (left out when empty), id, geometry (WKB → GeoJSON), bbox ({xmin, ymin, xmax, ymax}
 *   or with zmin/zmax → an array of 4 or 6), links, assets, collection; every other column is a property
 *   (timestamps as ISO text with Z, WKB such as proj:geometry as GeoJSON, JSON columns as their value); a
 *   `type` column is the item's when it says Feature (other writers keep one), else a property `type`.
 * Parquet cannot tell a null from an absent member, so a null is left out (struct members too: an asset the
 * row does not have), except where STAC gives null a meaning (NULL_KEPT: `datetime` beside a time range,
 * `proj:epsg` and `proj:code` in an item declaring the projection extension).
 * stacflow's own columns (operators/geoparquet.ts) become what the ndjson output writes for the same entry
 * (src/catalog/catalog-item.ts), so that a catalog read from either file is the same:
 *   - `stacflow:spill` (values the columns could not hold) is merged back, each value where its column goes;
 *   - `stacflow:<name>` (selected fields, `stacflow:failed`) stay properties of that name;
 *   - `file:<asset>` (a local copy) is that asset's `file:local_path`, with the File extension listed (a
 *     `file:` column naming no asset of the row is a property).
 * Throws RowError naming the column when a value cannot be read (bad WKB, JSON, spill).
 */

/** What the reader knows of the file's columns (read-rows.ts). */
export interface RowSchema {
  /** Top-level columns in file order. */
  readonly columns: readonly string[];
  /** Columns of Parquet's JSON type: their values are JSON already, nulls inside included. */
  readonly json: ReadonlySet<string>;
}

/** A JSON column's text that does not parse (read-rows.ts's parser keeps it so): its row fails, not its row group. */
export class BadJson {
  constructor(readonly message: string) {}
}

export class RowError extends Error {
  override readonly name = 'RowError';
  constructor(readonly column: string, message: string) {
    super(`${column}: ${message}`);
  }
}

/** The column writer.ts keeps unfit values in. */
export const SPILL = `${STACFLOW_PREFIX}spill`;
const FILE_PREFIX = 'file:';

/**
 * The null properties STAC gives a meaning, kept null when the item is one they mean something for: `datetime`
 * is null for a time range; the projection extension (v1.0 requires `proj:epsg`) says null for no EPSG code.
 */
const NULL_KEPT: Readonly<Record<string, (item: StacItem) => boolean>> = {
  datetime: (item) => item.properties.start_datetime !== undefined && item.properties.end_datetime !== undefined,
  'proj:epsg': (item) => declares(item, '/projection/'),
  'proj:code': (item) => declares(item, '/projection/'),
};

const declares = (item: StacItem, part: string): boolean =>
  Array.isArray(item.stac_extensions) && item.stac_extensions.some((url) => typeof url === 'string' && url.includes(part));

/** The columns that are members of the item, not properties. */
const ITEM_MEMBERS = new Set(['type', 'stac_version', 'stac_extensions', 'id', PRIMARY_COLUMN, BBOX_COLUMN, 'links', 'assets', 'collection', SPILL]);

export function rowItem(row: Readonly<Record<string, unknown>>, schema: RowSchema): StacItem {
  const properties: Record<string, unknown> = {};
  const item: StacItem = { type: 'Feature', id: row.id as string, geometry: null, properties, assets: {} };
  const files = new Map<string, unknown>();
  const nulls: string[] = [];
  for (const column of schema.columns) {
    const raw = row[column];
    if (ITEM_MEMBERS.has(column) && !(column === 'type' && isPropertyType(raw))) {
      setMember(item, column, raw);
      continue;
    }
    const value = schema.json.has(column) ? jsonValue(column, raw) : plain(raw, column);
    if (value === undefined) {
      if (Object.hasOwn(NULL_KEPT, column)) nulls.push(column);
    } else if (column.startsWith(FILE_PREFIX)) files.set(column, value);
    else properties[column] = value;
  }
  for (const [column, value] of Object.entries(spilled(row[SPILL]))) {
    if (column.startsWith('properties.')) properties[column.slice('properties.'.length)] = value;
    else if (ITEM_MEMBERS.has(column) && column !== 'type') setSpilledMember(item, column, value); // `type`: stacflow's writer has no item `type` column
    else if (column.startsWith(FILE_PREFIX)) files.set(column, value);
    else properties[column] = value;
  }
  for (const [column, value] of files) {
    if (!withLocalPath(item, column.slice(FILE_PREFIX.length), value)) properties[column] = value;
  }
  for (const column of nulls) if (!(column in properties) && NULL_KEPT[column](item)) properties[column] = null;
  return item;
}

/**
 * A `type` column is the item's (always Feature: other writers keep it, stacflow's does not), unless it holds
 * something else: then it is a property named `type`, which stacflow's writer lifts like any other.
 */
const isPropertyType = (raw: unknown): boolean => raw !== null && raw !== undefined && raw !== 'Feature';

function setMember(item: StacItem, column: string, raw: unknown): void {
  switch (column) {
    case 'stac_version':
    case 'collection': {
      const value = plain(raw, column);
      if (value !== undefined) (item as unknown as Record<string, unknown>)[column] = value;
      return;
    }
    case 'stac_extensions': {
      const value = plain(raw, column);
      if (Array.isArray(value) && value.length > 0) item.stac_extensions = value;
      return;
    }
    case 'id':
      item.id = plain(raw, column) as string; // a null id fails the row (item-file-reader.ts checks the shape)
      return;
    case PRIMARY_COLUMN:
      item.geometry = (plain(raw, column) ?? null) as StacItem['geometry'];
      return;
    case BBOX_COLUMN: {
      const bbox = bboxArray(plain(raw, column));
      if (bbox !== undefined) item.bbox = bbox;
      return;
    }
    case 'links':
      item.links = (plain(raw, column) as StacItem['links']) ?? [];
      return;
    case 'assets':
      item.assets = assetsOf(plain(raw, column));
      return;
    default: // `type` (always Feature) and the spill, read after the columns
  }
}

/** A spilled value is the item's value as it was (JSON): only the bbox needs its array back. */
function setSpilledMember(item: StacItem, column: string, value: unknown): void {
  const member = column === BBOX_COLUMN ? (bboxArray(value) ?? value) : value;
  (item as unknown as Record<string, unknown>)[column] = member;
}

function spilled(raw: unknown): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array));
  } catch (err) {
    throw new RowError(SPILL, `not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RowError(SPILL, 'expected a JSON object of column to value');
  return value as Record<string, unknown>;
}

function jsonValue(column: string, raw: unknown): unknown {
  if (raw instanceof BadJson) throw new RowError(column, `not JSON (${raw.message})`);
  return raw === null ? undefined : raw;
}

/**
 * A decoded Parquet value as JSON: nulls left out of structs (kept in lists), 64-bit integers as numbers,
 * binary as its WKB geometry (its first byte is a WKB byte order) or else its UTF-8 text.
 */
function plain(value: unknown, column: string): unknown {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'bigint':
      return Number(value);
    case 'object':
      break;
    default:
      return value;
  }
  if (value instanceof Uint8Array) return binary(value, column);
  if (value instanceof BadJson) throw new RowError(column, `not JSON (${value.message})`);
  if (Array.isArray(value)) return value.map((v) => plain(v, column) ?? null);
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const converted = plain(member, column);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

function binary(bytes: Uint8Array, column: string): unknown {
  if (bytes.length > 0 && bytes[0] > 1) return new TextDecoder('utf-8').decode(bytes);
  try {
    return wkbToGeometry(bytes);
  } catch (err) {
    if (err instanceof WkbReadError) throw new RowError(column, `not a WKB geometry (${err.message})`);
    throw err;
  }
}

/** The bbox struct as STAC's array: [xmin, ymin, xmax, ymax], or with zmin and zmax [xmin, ymin, zmin, xmax, ymax, zmax]. */
function bboxArray(value: unknown): number[] | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const b = value as Record<string, unknown>;
  const keys = typeof b.zmin === 'number' && typeof b.zmax === 'number' ? ['xmin', 'ymin', 'zmin', 'xmax', 'ymax', 'zmax'] : ['xmin', 'ymin', 'xmax', 'ymax'];
  const numbers = keys.map((k) => b[k]);
  return numbers.every((n) => typeof n === 'number') ? (numbers as number[]) : undefined;
}

/** The assets struct: an asset the row does not have is all nulls, so it comes back empty and is left out. */
function assetsOf(value: unknown): Record<string, StacAsset> {
  if (value === undefined || typeof value !== 'object' || value === null) return {};
  const assets: Record<string, StacAsset> = {};
  for (const [key, asset] of Object.entries(value)) {
    if (asset !== null && typeof asset === 'object' && Object.keys(asset).length > 0) assets[key] = asset as StacAsset;
  }
  return assets;
}

/** As catalog-item.ts writes a download: the asset's `file:local_path`, the File extension listed. False when no such asset. */
function withLocalPath(item: StacItem, key: string, path: unknown): boolean {
  const asset = item.assets?.[key];
  if (asset === undefined || typeof path !== 'string') return false;
  item.assets = { ...item.assets, [key]: { ...asset, 'file:local_path': path } };
  const extensions = Array.isArray(item.stac_extensions) ? (item.stac_extensions as unknown[]) : [];
  if (!extensions.includes(FILE_EXTENSION)) item.stac_extensions = [...extensions, FILE_EXTENSION];
  return true;
}
