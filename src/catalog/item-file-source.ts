import type { Observable } from 'rxjs';
import { newEntry, type Entry, type StacItem } from '../entry.js';
import { EntryError } from '../errors.js';
import type { StageContext } from '../engine/stage.js';
import { pagedSource } from '../stac/paged-source.js';
import { readItemFile, type ItemFileOptions, type ItemRecord } from './item-file-reader.js';

/**
 * The entries of a file of items (src/catalog/item-file-reader.ts), one flow slot each (`ctx.demand`): the
 * file is read only as fast as the pipeline takes entries, a chunk ahead at most (src/stac/paged-source.ts).
 * A record that is no item becomes an entry failed in this stage (its code, `file:line` or
 * `file: features[n]` in the message) whose item keeps only an id (the item's own, else `<file>:<line>`) and
 * collection, as src/stac/item-guard.ts does for a source's items: catalogs list it, the run goes on (exit 3).
 * Counted under the stage label: `read` (records, items or not) and `invalid`.
 */
export function itemFileSource(options: Omit<ItemFileOptions, 'signal'>, ctx: StageContext): Observable<Entry> {
  return pagedSource<ItemRecord[], ItemRecord, Entry>({
    pages: (signal) => readItemFile({ ...options, signal }),
    items: (batch) => batch,
    toValue: (record) => {
      ctx.stats.count(ctx.label, 'read');
      return 'item' in record ? { item: record.item, fields: {}, files: {}, failures: [] } : failedEntry(record, ctx);
    },
    demand: ctx.demand,
    signal: ctx.signal,
  });
}

function failedEntry(record: Extract<ItemRecord, { failure: unknown }>, ctx: StageContext): Entry {
  const stub: StacItem = { type: 'Feature', id: record.id, geometry: null, properties: {}, assets: {} };
  if (record.collection !== undefined) stub.collection = record.collection;
  ctx.stats.count(ctx.label, 'invalid');
  return ctx.fail(newEntry(stub), new EntryError(record.failure.code, record.failure.message));
}
