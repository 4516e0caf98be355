import { basename } from 'node:path';
import { errorMessage } from '../errors.js';
import { openStacGeoparquet, type RowGroup } from './geoparquet/read-rows.js';
import { rowItem, RowError, type RowSchema } from './geoparquet/row-item.js';
import { itemRecord, type ItemFileOptions, type ItemRecord } from './item-file-reader.js';

/** Rows turned into items at a time: a row group's items are made as they are taken, not all at once. */
const BATCH_ROWS = 64;

/**
 * The items of a stac-geoparquet file (src/catalog/geoparquet/read-rows.ts, row-item.ts), one row group read at
 * a time, in batches of BATCH_ROWS records. A file that is not Parquet, cut short, or not stac-geoparquet (no
 * `geo` metadata, no `id`, a geometry not WKB) ends the run at open (ERR_ITEMS_FILE). A row whose values cannot
 * be read (bad WKB, JSON) or that is no STAC Item gives a failure naming `file:row N` (1 is the first row) and
 * the column; a row group that does not decode fails each of its rows so; the next row or group is read as usual.
 */
export async function* parquetRecords(options: ItemFileOptions): AsyncGenerator<ItemRecord[], void, undefined> {
  const name = basename(options.path);
  const file = await openStacGeoparquet(options.file); // its errors end the run (item-file-reader.ts: ERR_ITEMS_FILE)
  try {
    for await (const group of file.groups(options.signal)) {
      const count = 'rows' in group ? group.rows.length : group.count;
      for (let from = 0; from < count; from += BATCH_ROWS) {
        const records: ItemRecord[] = [];
        for (let i = from; i < Math.min(count, from + BATCH_ROWS); i++) records.push(recordOf(group, i, options.path, name, file.schema));
        yield records;
      }
    }
  } finally {
    await file.close();
  }
}

function recordOf(group: RowGroup, index: number, path: string, name: string, schema: RowSchema): ItemRecord {
  const row = group.first + index + 1;
  const where = `${path}:row ${row}`;
  const stubId = `${name}:row ${row}`;
  if (!('rows' in group)) {
    const message = `${where}: its row group (rows ${group.first + 1}–${group.first + group.count}) does not decode: ${errorMessage(group.error)}`;
    return { failure: { code: 'ERR_ITEM_PARQUET', message }, where, id: stubId };
  }
  const values = group.rows[index];
  try {
    return itemRecord(rowItem(values, schema), where, stubId);
  } catch (err) {
    if (!(err instanceof RowError)) throw err;
    const id = typeof values.id === 'string' && values.id !== '' ? values.id : stubId;
    const collection = typeof values.collection === 'string' ? values.collection : undefined;
    return { failure: { code: 'ERR_ITEM_INVALID', message: `${where}: ${err.message}` }, where, id, ...(collection === undefined ? {} : { collection }) };
  }
}
