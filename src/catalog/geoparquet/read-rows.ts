import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData, type ParquetParsers } from 'hyparquet';
import { PRIMARY_COLUMN } from './item-row.js';
import { BadJson, type RowSchema } from './row-item.js';

/**
 * The rows of a stac-geoparquet file, one row group at a time (hyparquet): memory holds the group being read,
 * never the file. Values come as row-item.ts expects them: timestamps as ISO 8601 text in UTC, WKB and other
 * unannotated binary as bytes (row-item.ts decodes them per row, so that a bad one fails its row only), JSON
 * columns parsed (a text that is not JSON kept as a BadJson for its row to fail).
 */

/** Why a file is no stac-geoparquet this reader can read: said at open, the run cannot start on it. */
export class NotStacGeoparquetError extends Error {
  override readonly name = 'NotStacGeoparquetError';
}

/** A row group: its first row (0-based in the file) and its rows, or why none of them could be decoded. */
export type RowGroup =
  | { readonly first: number; readonly rows: ReadonlyArray<Record<string, unknown>> }
  | { readonly first: number; readonly count: number; readonly error: unknown };

export interface StacGeoparquetFile {
  readonly rows: number;
  readonly schema: RowSchema;
  /** The row groups in order, each read when asked for. */
  groups(signal?: AbortSignal): AsyncGenerator<RowGroup, void, undefined>;
  close(): Promise<void>;
}

const MAGIC = 'PAR1';

/** Opens `file` and checks it is stac-geoparquet (Parquet, a `geo` key with WKB columns, an `id` column). */
export async function openStacGeoparquet(file: string): Promise<StacGeoparquetFile> {
  const handle = await open(file, 'r');
  try {
    const buffer = await fileBuffer(handle);
    await checkMagic(buffer);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer, { parsers: PARSERS });
    } catch (err) {
      throw new NotStacGeoparquetError(`not a readable Parquet file: its footer does not decode (${(err as Error).message})`);
    }
    const schema = rowSchema(metadata);
    return {
      rows: Number(metadata.num_rows),
      schema,
      groups: (signal) => groups(buffer, metadata, signal),
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

async function* groups(file: AsyncBuffer, metadata: FileMetaData, signal: AbortSignal | undefined): AsyncGenerator<RowGroup> {
  let first = 0;
  for (const group of metadata.row_groups) {
    signal?.throwIfAborted();
    const count = Number(group.num_rows);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart: first, rowEnd: first + count, parsers: PARSERS, utf8: false });
    } catch (err) {
      yield { first, count, error: err };
      first += count;
      continue;
    }
    yield { first, rows };
    first += count;
  }
}

/** An AsyncBuffer over one open file: each slice is one positioned read (hyparquet asks a slice per column chunk). */
async function fileBuffer(handle: FileHandle): Promise<AsyncBuffer> {
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start, end = size) {
      const bytes = new Uint8Array(Math.max(0, end - start));
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
        if (bytesRead === 0) throw new Error(`the file ended at byte ${start + done}, ${bytes.length - done} bytes before the ${end} its footer announces`);
        done += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

async function checkMagic(buffer: AsyncBuffer): Promise<void> {
  const text = (bytes: ArrayBuffer): string => Buffer.from(bytes).toString('latin1');
  if (buffer.byteLength < 12) throw new NotStacGeoparquetError(`not a Parquet file: ${buffer.byteLength} bytes (a Parquet file starts and ends with ${MAGIC})`);
  const head = text(await buffer.slice(0, 4));
  const tail = text(await buffer.slice(buffer.byteLength - 4));
  if (head !== MAGIC) throw new NotStacGeoparquetError(`not a Parquet file: it does not start with ${MAGIC}`);
  if (tail !== MAGIC) throw new NotStacGeoparquetError(`not a whole Parquet file: it does not end with ${MAGIC} (cut short?)`);
}

/** What row-item.ts needs of the schema, checked: stac-geoparquet's `geo` metadata, WKB columns, an `id`. */
function rowSchema(metadata: FileMetaData): RowSchema {
  const geoText = metadata.key_value_metadata?.find((kv) => kv.key === 'geo')?.value;
  if (geoText === undefined) throw new NotStacGeoparquetError('a Parquet file but not stac-geoparquet: no `geo` file metadata (GeoParquet)');
  let geo: { primary_column?: unknown; columns?: Record<string, { encoding?: unknown }> };
  try {
    geo = JSON.parse(geoText);
  } catch (err) {
    throw new NotStacGeoparquetError(`its \`geo\` file metadata is not JSON (${(err as Error).message})`);
  }
  const geometryColumns = Object.entries(geo?.columns ?? {});
  if (geometryColumns.length === 0) throw new NotStacGeoparquetError('its `geo` file metadata names no geometry column');
  for (const [name, column] of geometryColumns) {
    if (String(column?.encoding).toUpperCase() !== 'WKB') {
      throw new NotStacGeoparquetError(`geometry column ${name} is encoded as ${JSON.stringify(column?.encoding)}: only WKB is read (GeoArrow encodings are not)`);
    }
  }
  const primary = typeof geo.primary_column === 'string' ? geo.primary_column : PRIMARY_COLUMN;
  if (primary !== PRIMARY_COLUMN) throw new NotStacGeoparquetError(`its primary geometry column is ${primary}: stac-geoparquet names it ${PRIMARY_COLUMN}`);
  // Top-level columns: the schema is flattened depth first, each group followed by its children.
  const columns: string[] = [];
  const json = new Set<string>();
  const elements = metadata.schema;
  for (let i = 1; i < elements.length; i = next(elements, i)) {
    const element = elements[i];
    columns.push(element.name);
    if (element.converted_type === 'JSON' || element.logical_type?.type === 'JSON') json.add(element.name);
  }
  if (!columns.includes('id')) throw new NotStacGeoparquetError('no `id` column: not stac-geoparquet');
  if (!columns.includes(PRIMARY_COLUMN)) throw new NotStacGeoparquetError(`no \`${PRIMARY_COLUMN}\` column, which its \`geo\` metadata names`);
  return { columns, json };
}

/** The index after element `i` and all its descendants. */
function next(elements: FileMetaData['schema'], i: number): number {
  let pending = elements[i].num_children ?? 0;
  let at = i + 1;
  while (pending > 0) {
    pending += (elements[at].num_children ?? 0) - 1;
    at += 1;
  }
  return at;
}

const decoder = new TextDecoder();

/** hyparquet's conversions, changed where a STAC item needs another value or a row must fail alone. */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis) => isoInstant(BigInt(millis) * 1_000_000n),
  timestampFromMicroseconds: (micros) => isoMicros(micros),
  timestampFromNanoseconds: (nanos) => isoInstant(BigInt(nanos)),
  dateFromDays: (days) => new Date(days * 86_400_000).toISOString().slice(0, 10),
  geometryFromBytes: (bytes) => bytes,
  geographyFromBytes: (bytes) => bytes,
  jsonFromBytes(bytes) {
    if (bytes === undefined || bytes === null) return bytes;
    try {
      return JSON.parse(decoder.decode(bytes));
    } catch (err) {
      return new BadJson((err as Error).message);
    }
  },
};

const NANOS_PER_MILLI = 1_000_000n;

/** isoInstant of microseconds (STAC's timestamps, what the geoparquet output writes) in numbers, without BigInt arithmetic. */
export function isoMicros(micros: bigint): string {
  const us = Number(micros);
  if (!Number.isSafeInteger(us)) return isoInstant(BigInt(micros) * 1000n);
  const millis = Math.floor(us / 1000);
  const below = us - millis * 1000;
  const text = new Date(millis).toISOString();
  const whole = text.slice(0, -5);
  const ms = text.slice(-4, -1);
  if (below !== 0) return `${whole}.${ms}${String(below).padStart(3, '0')}Z`;
  return ms === '000' ? `${whole}Z` : `${whole}.${ms}Z`;
}

/**
 * An instant as RFC 3339 text in UTC: seconds, then as many fraction digits as it needs in steps of three
 * (`12:00:00Z`, `12:00:00.867Z`, `12:50:47.869268Z`), the forms STAC catalogs write.
 */
export function isoInstant(nanos: bigint): string {
  let millis = nanos / NANOS_PER_MILLI;
  let below = nanos % NANOS_PER_MILLI;
  if (below < 0n) {
    millis -= 1n;
    below += NANOS_PER_MILLI;
  }
  const text = new Date(Number(millis)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const whole = text.slice(0, -5); // up to the seconds
  const ms = text.slice(-4, -1);
  if (below !== 0n) {
    const digits = below.toString().padStart(6, '0');
    return `${whole}.${ms}${digits.endsWith('000') ? digits.slice(0, 3) : digits}Z`;
  }
  return ms === '000' ? `${whole}Z` : `${whole}.${ms}Z`;
}
