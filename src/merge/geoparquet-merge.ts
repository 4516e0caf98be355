import type { FileMetaData, RowGroup } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { TempOutputFile } from '../util/temp-output-file.js';
import { copyRange } from './copy-range.js';
import { mergedGeo, mergedStacMetadata, readParquetShard, schemaKey, type ParquetShard } from './geoparquet-footer.js';
import type { MergeInput, MergeTarget, PreparedMerge } from './merge-target.js';

const MAGIC = 0x31524150; // "PAR1"

/**
 * The merged geoparquet output, a stac-geoparquet 1.1 file of every shard's rows in shard order.
 *
 * Shards with one schema (the usual case: one pipeline over items of one shape) are merged without reading a
 * row: their row groups are copied byte for byte, one after the other, and a new footer lists them all with
 * their offsets moved by where they now start; its `geo` metadata has the union of the shards' geometry types
 * and a bbox covering theirs, its `stac-geoparquet` metadata every shard's collections. Shards without rows
 * are left out of the comparison (their schema was learned from nothing). When schemas differ (the writer
 * learns its columns from the first row group, so shards can learn different ones), every row is read back and
 * written again through the geoparquet writer, whose drift rule (operators/geoparquet.ts) then holds for the
 * whole: geoparquet-rewrite.ts.
 */
export async function prepareGeoparquetMerge(target: MergeTarget, inputs: readonly MergeInput[]): Promise<PreparedMerge & { sameSchema: boolean }> {
  const shards: ParquetShard[] = [];
  for (const input of inputs) shards.push(await readParquetShard(input));
  const withRows = shards.filter((s) => Number(s.metadata.num_rows) > 0);
  const schemas = new Set(withRows.map((s) => schemaKey(s.metadata)));
  if (schemas.size > 1) {
    const { rewriteGeoparquet } = await import('./geoparquet-rewrite.js');
    return { sameSchema: false, write: () => rewriteGeoparquet(target, shards) };
  }
  return { sameSchema: true, write: () => concatenate(target, withRows.length > 0 ? withRows : shards.slice(0, 1), shards) };
}

async function concatenate(target: MergeTarget, copied: readonly ParquetShard[], all: readonly ParquetShard[]): Promise<{ path: string; rows: number }> {
  const out = new TempOutputFile<Uint8Array | string>(target.path);
  try {
    const magic = Buffer.alloc(4);
    magic.writeUInt32LE(MAGIC);
    await out.write(magic);
    let at = 4;
    const rowGroups: RowGroup[] = [];
    for (const shard of copied) {
      await copyRange(shard.input.file.file, 4, shard.dataEnd, out);
      const shift = BigInt(at - 4);
      for (const group of shard.metadata.row_groups) rowGroups.push(shifted(group, shift));
      at += shard.dataEnd - 4;
    }
    const first = copied[0]?.metadata;
    const rows = rowGroups.reduce((n, g) => n + BigInt(g.num_rows), 0n);
    const footer = new ByteWriter();
    writeMetadata(footer, {
      version: first?.version ?? 2,
      created_by: first?.created_by ?? 'stacflow',
      schema: first?.schema ?? [],
      num_rows: rows,
      row_groups: rowGroups,
      key_value_metadata: keyValues(first, all),
    } as unknown as Parameters<typeof writeMetadata>[1]);
    footer.appendUint32(MAGIC);
    await out.write(new Uint8Array(footer.getBuffer()));
    await out.finish();
    return { path: target.path, rows: Number(rows) };
  } catch (err) {
    await out.abort().catch(() => undefined);
    throw err;
  }
}

/** The file metadata: `geo` and `stac-geoparquet` merged, any other key as the first shard has it. */
function keyValues(first: FileMetaData | undefined, shards: readonly ParquetShard[]): FileMetaData['key_value_metadata'] {
  const merged: Record<string, string> = {
    geo: JSON.stringify(mergedGeo(shards)),
    'stac-geoparquet': JSON.stringify(mergedStacMetadata(shards)),
  };
  const keys = first?.key_value_metadata ?? [{ key: 'geo', value: '' }, { key: 'stac-geoparquet', value: '' }];
  return keys.map(({ key, value }) => ({ key, value: merged[key] ?? value }));
}

/** A row group whose bytes moved by `shift`: every file offset in it (pages, dictionaries, indexes, blooms) moved too. */
function shifted(group: RowGroup, shift: bigint): RowGroup {
  const move = (offset: bigint | undefined) => (offset === undefined ? undefined : BigInt(offset) + shift);
  return {
    ...group,
    ...(group.file_offset !== undefined ? { file_offset: move(group.file_offset) } : {}),
    columns: group.columns.map((column) => ({
      ...column,
      file_offset: move(column.file_offset)!,
      ...(column.offset_index_offset !== undefined ? { offset_index_offset: move(column.offset_index_offset) } : {}),
      ...(column.column_index_offset !== undefined ? { column_index_offset: move(column.column_index_offset) } : {}),
      ...(column.meta_data
        ? {
            meta_data: {
              ...column.meta_data,
              data_page_offset: move(column.meta_data.data_page_offset)!,
              ...(column.meta_data.index_page_offset !== undefined ? { index_page_offset: move(column.meta_data.index_page_offset) } : {}),
              ...(column.meta_data.dictionary_page_offset !== undefined ? { dictionary_page_offset: move(column.meta_data.dictionary_page_offset) } : {}),
              ...(column.meta_data.bloom_filter_offset !== undefined ? { bloom_filter_offset: move(column.meta_data.bloom_filter_offset) } : {}),
            },
          }
        : {}),
    })),
  };
}
