import type { FileMetaData } from 'hyparquet';
import { openStacGeoparquet } from '../catalog/geoparquet/read-rows.js';
import { BadJson, SPILL } from '../catalog/geoparquet/row-item.js';
import { wkbToGeometry } from '../catalog/geoparquet/wkb-read.js';
import { GeoParquetWriter } from '../catalog/geoparquet/writer.js';
import { errorMessage } from '../errors.js';
import { MergeError } from './errors.js';
import { mergedStacMetadata, type ParquetShard } from './geoparquet-footer.js';
import type { MergeTarget } from './merge-target.js';

/** The stage's default (operators/geoparquet.ts), for a pipeline built in code without one. */
const DEFAULT_ROW_GROUP_SIZE = 5_000;

/**
 * Shards whose schemas differ, merged by reading every row back (src/catalog/geoparquet/read-rows.ts, one row
 * group at a time) and writing it again with the geoparquet writer, as the stage would have written it: WKB
 * back to GeoJSON, timestamps back to instants, spilled values back where their column goes. The writer learns
 * the columns from the first `row_group_size` rows of the merge and keeps what later rows bring that does not
 * fit in `stacflow:spill`, the rule a single run follows (operators/geoparquet.ts): nothing is dropped.
 * Slower than the byte copy (every value decoded and encoded again): the price of schemas that differ.
 */
export async function rewriteGeoparquet(target: MergeTarget, shards: readonly ParquetShard[]): Promise<{ path: string; rows: number; rewritten: true; counters: Record<string, number> }> {
  const counters: Record<string, number> = {};
  const rowGroupSize = typeof target.options.row_group_size === 'number' ? target.options.row_group_size : DEFAULT_ROW_GROUP_SIZE;
  const writer = new GeoParquetWriter(target.path, {
    rowGroupSize,
    includeFailed: true, // rows keep the `stacflow:failed` the shard gave them (or not)
    count: (name) => {
      counters[name] = (counters[name] ?? 0) + 1;
    },
  });
  try {
    for (const shard of shards) await rewriteShard(shard, writer);
    const rows = await writer.finish(mergedStacMetadata(shards).collections as Record<string, unknown>);
    return { path: target.path, rows, rewritten: true, counters };
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
}

async function rewriteShard(shard: ParquetShard, writer: GeoParquetWriter): Promise<void> {
  const { name } = shard.input.file;
  const where = (row: number) => `${name} (${shard.input.tag}) row ${row}`;
  let file;
  try {
    file = await openStacGeoparquet(shard.input.file.file);
  } catch (err) {
    throw new MergeError('ERR_MERGE_INPUT', `${name} (${shard.input.tag}): ${errorMessage(err)}`, { cause: err });
  }
  try {
    const geometry = new Set(Object.keys(shard.geo.columns));
    const timestamps = timestampColumns(shard.metadata);
    for await (const group of file.groups()) {
      if (!('rows' in group)) {
        throw new MergeError('ERR_MERGE_INPUT', `${where(group.first + 1)}: its row group does not decode (${errorMessage(group.error)}); run that shard again`, { cause: group.error });
      }
      for (let i = 0; i < group.rows.length; i++) {
        const row = group.first + i + 1;
        try {
          const { values, collisions } = rowValues(group.rows[i], file.schema.columns, geometry, timestamps);
          await writer.writeRow(values, collisions);
        } catch (err) {
          if (err instanceof MergeError) throw err;
          throw new MergeError('ERR_MERGE_INPUT', `${where(row)}: ${errorMessage(err)}`, { cause: err });
        }
      }
    }
  } finally {
    await file.close();
  }
}

/** A row read back into the values itemRow would have made for it (src/catalog/geoparquet/item-row.ts). */
function rowValues(
  row: Readonly<Record<string, unknown>>,
  columns: readonly string[],
  geometry: ReadonlySet<string>,
  timestamps: ReadonlySet<string>,
): { values: Map<string, unknown>; collisions: Record<string, unknown> } {
  const values = new Map<string, unknown>();
  const collisions: Record<string, unknown> = {};
  let spill: unknown;
  for (const column of columns) {
    let value = row[column];
    if (value instanceof BadJson) throw new Error(`column ${column}: not JSON (${value.message})`);
    if (column === SPILL) {
      spill = value;
      continue;
    }
    if (value === undefined) value = null;
    if (value instanceof Uint8Array && geometry.has(column)) value = wkbToGeometry(value);
    else if (typeof value === 'string' && timestamps.has(column)) value = instantValue(value);
    values.set(column, value);
  }
  if (typeof spill === 'string') {
    try {
      spill = JSON.parse(spill);
    } catch (err) {
      throw new Error(`column ${SPILL}: not JSON (${(err as Error).message})`);
    }
  }
  if (typeof spill === 'object' && spill !== null) {
    for (const [column, value] of Object.entries(spill)) {
      if (column.startsWith('properties.')) collisions[column] = value;
      else values.set(column, value); // back where its column goes; the writer spills it again if it still does not fit
    }
  }
  return { values, collisions };
}

/**
 * A timestamp read back (ISO text in UTC): a Date when milliseconds hold it (any column takes a Date as a
 * timestamp, a `select`ed PVL date too), else the text (microseconds: STAC's datetime properties, which the
 * writer reads as instants from text).
 */
function instantValue(iso: string): unknown {
  const fraction = /\.(\d+)Z$/.exec(iso)?.[1] ?? '';
  return fraction.length <= 3 ? new Date(iso) : iso;
}

function timestampColumns(metadata: FileMetaData): Set<string> {
  const names = new Set<string>();
  // Top-level elements only: timestamps are never nested in what the writer makes.
  const elements = metadata.schema;
  for (let i = 1; i < elements.length; ) {
    const element = elements[i];
    if (element.logical_type?.type === 'TIMESTAMP' || String(element.converted_type ?? '').startsWith('TIMESTAMP')) names.add(element.name);
    let pending = element.num_children ?? 0;
    i += 1;
    while (pending > 0) {
      pending += (elements[i].num_children ?? 0) - 1;
      i += 1;
    }
  }
  return names;
}
