import { parquetMetadata, type FileMetaData, type ParquetParsers } from 'hyparquet';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { readRange } from './copy-range.js';
import { MergeError } from './errors.js';
import type { MergeInput } from './merge-target.js';

const MAGIC = 'PAR1';

/** A shard's Parquet file as the merge sees it: its footer, and where its row groups' bytes end. */
export interface ParquetShard {
  readonly input: MergeInput;
  readonly metadata: FileMetaData;
  /** The footer's first byte: bytes [4, dataEnd) are the row groups (and any page indexes), copied as they are. */
  readonly dataEnd: number;
  /** The `geo` and `stac-geoparquet` file metadata, parsed. */
  readonly geo: GeoMetadata;
  readonly stac: { version?: string; collections?: Record<string, unknown> } & Record<string, unknown>;
}

export interface GeoColumn {
  encoding?: string;
  geometry_types?: string[];
  bbox?: number[];
  [other: string]: unknown;
}

export interface GeoMetadata {
  version?: string;
  primary_column?: string;
  columns: Record<string, GeoColumn>;
  [other: string]: unknown;
}

/**
 * Statistics as stored, for writeMetadata to write them back exactly: hyparquet's default conversions would
 * turn timestamps into Dates (microseconds lost: a max moved below the real one makes readers skip row groups
 * they need) and decode texts as UTF-8 (bytes changed). Raw integers and bytes go back as they came.
 */
const STORED: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (value) => value,
  timestampFromMicroseconds: (value) => value,
  timestampFromNanoseconds: (value) => value,
  dateFromDays: (days) => days,
  stringFromBytes: (bytes) => bytes,
};

/**
 * Reads a shard's footer (two small reads: the length, then the metadata) with hyparquet, as it is stored: no
 * GeoParquet interpretation of the schema (`geoparquet: false`), statistics in the form hyparquet-writer's
 * writeMetadata takes back. Names the file when it is no whole Parquet file or no stac-geoparquet.
 */
export async function readParquetShard(input: MergeInput): Promise<ParquetShard> {
  const { name, file, size } = input.file;
  const bad = (why: string, cause?: unknown) =>
    new MergeError('ERR_MERGE_INPUT', `${name} (${input.tag}): ${why}: not the geoparquet file a shard writes (cut short or changed?); run that shard again`, { cause });
  if (size < 12) throw bad(`${size} bytes`);
  const head = (await readRange(file, 0, 4)).toString('latin1');
  const end = await readRange(file, size - 8, size);
  if (head !== MAGIC) throw bad(`it does not begin with ${MAGIC}`);
  if (end.subarray(4).toString('latin1') !== MAGIC) throw bad(`it does not end with ${MAGIC}`);
  const length = end.readUInt32LE(0);
  const dataEnd = size - 8 - length;
  if (dataEnd < 4) throw bad(`its footer says ${length} bytes, more than the file holds`);
  const footer = await readRange(file, dataEnd, size);
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(new Uint8Array(footer.buffer, footer.byteOffset, footer.byteLength), { geoparquet: false, parsers: STORED });
  } catch (err) {
    throw bad(`its footer does not decode (${(err as Error).message})`, err);
  }
  keepNanCounts(metadata, footer, length);
  const kv = (key: string) => metadata.key_value_metadata?.find((entry) => entry.key === key)?.value;
  const geo = parsed(kv('geo'), 'geo', bad) as GeoMetadata | undefined;
  if (!geo || typeof geo.columns !== 'object' || geo.columns === null) throw bad('no `geo` file metadata with columns');
  const stac = (parsed(kv('stac-geoparquet'), 'stac-geoparquet', bad) ?? {}) as ParquetShard['stac'];
  return { input, metadata, dataEnd, geo, stac };
}

function parsed(text: string | undefined, key: string, bad: (why: string, cause?: unknown) => Error): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw bad(`its \`${key}\` file metadata is not JSON`, err);
  }
}

/** A schema as text, to compare shards' schemas exactly (BigInts as text). */
export function schemaKey(metadata: FileMetaData): string {
  return JSON.stringify(metadata.schema, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

/**
 * The shards' `geo` metadata as one: per geometry column the union of geometry types (sorted) and the bbox
 * covering every shard's; the rest (encoding, covering, crs) from the first shard that has the column.
 */
export function mergedGeo(shards: readonly ParquetShard[]): GeoMetadata {
  const first = shards[0]?.geo ?? { columns: {} };
  const columns: Record<string, GeoColumn> = {};
  const types = new Map<string, Set<string>>();
  for (const { geo } of shards) {
    for (const [name, column] of Object.entries(geo.columns)) {
      const into = (columns[name] ??= { ...column, geometry_types: [] });
      const seen = types.get(name) ?? new Set<string>();
      types.set(name, seen);
      for (const type of column.geometry_types ?? []) seen.add(type);
      into.bbox = unionBox(into.bbox, column.bbox);
      if (into.bbox === undefined) delete into.bbox;
    }
  }
  for (const [name, column] of Object.entries(columns)) column.geometry_types = [...types.get(name)!].sort();
  return { ...first, columns: orderedLike(first.columns, columns) };
}

/** bbox of two 2D (or 3D: [xmin, ymin, zmin, xmax, ymax, zmax]) boxes; either may be absent. */
function unionBox(a: number[] | undefined, b: number[] | undefined): number[] | undefined {
  if (!Array.isArray(b) || b.length === 0) return a;
  if (!Array.isArray(a) || a.length === 0 || a.length !== b.length) return [...b];
  const half = a.length / 2;
  return a.map((value, i) => (i < half ? Math.min(value, b[i]) : Math.max(value, b[i])));
}

/** Each member where it comes, in the first shard's order (the geo JSON as the writer wrote it). */
function orderedLike(firstColumns: Record<string, GeoColumn>, columns: Record<string, GeoColumn>): Record<string, GeoColumn> {
  const order = [...Object.keys(firstColumns), ...Object.keys(columns).filter((n) => !(n in firstColumns))];
  const keys = ['encoding', 'geometry_types', 'bbox'];
  return Object.fromEntries(
    order.map((name) => {
      const column = columns[name];
      const own = Object.keys(firstColumns[name] ?? column);
      const names = [...own, ...keys.filter((k) => !own.includes(k))].filter((k) => column[k] !== undefined);
      return [name, Object.fromEntries(names.map((k) => [k, column[k]]))];
    }),
  );
}

/** The collections of every shard's `stac-geoparquet` metadata (one id, one Collection: the first shard's). */
export function mergedStacMetadata(shards: readonly ParquetShard[]): Record<string, unknown> {
  const collections: Record<string, unknown> = {};
  for (const { stac } of shards) {
    for (const [id, collection] of Object.entries(stac.collections ?? {})) if (!(id in collections)) collections[id] = collection;
  }
  const first = shards[0]?.stac ?? {};
  return { ...first, collections };
}

/**
 * hyparquet reads no `nan_count` (Statistics field 9) that hyparquet-writer writes: taken from the raw thrift
 * so that the footer written back says what the shard's said.
 */
function keepNanCounts(metadata: FileMetaData, footer: Buffer, length: number): void {
  const view = new DataView(footer.buffer, footer.byteOffset, footer.byteLength);
  const raw = deserializeTCompactProtocol({ view, offset: footer.byteLength - 8 - length }) as { field_4?: Array<{ field_1?: Array<{ field_3?: { field_12?: { field_9?: bigint } } }> }> };
  metadata.row_groups.forEach((group, g) => {
    group.columns.forEach((column, c) => {
      const nan = raw.field_4?.[g]?.field_1?.[c]?.field_3?.field_12?.field_9;
      const stats = column.meta_data?.statistics as (Record<string, unknown> | undefined);
      if (nan !== undefined && stats) stats.nan_count = nan;
    });
  });
}
