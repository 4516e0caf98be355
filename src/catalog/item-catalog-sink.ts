import type { Entry } from '../entry.js';
import { leavesOut } from './output-options.js';
import type { OutputSink, StageContext } from '../engine/stage.js';
import { EntryError, errorMessage } from '../errors.js';
import { TempOutputFile } from '../util/temp-output-file.js';
import { catalogItem } from './catalog-item.js';
import { fileTarget } from './output-options.js';

/** How items are framed in the file: what comes first, between two items, and last. */
export interface ItemFraming {
  readonly head: string;
  readonly separator: string;
  readonly tail: string;
}

/** One STAC Item a line (NDJSON, stac-geoparquet's and pystac's newline-delimited form). */
export const NDJSON_FRAMING: ItemFraming = Object.freeze({ head: '', separator: '\n', tail: '\n' });
/** A GeoJSON FeatureCollection, one feature a line (the file still opens in any GeoJSON reader). */
export const FEATURE_COLLECTION_FRAMING: ItemFraming = Object.freeze({ head: '{"type":"FeatureCollection","features":[\n', separator: ',\n', tail: '\n]}\n' });

export interface ItemCatalogOptions {
  /** A path, or `-` for standard output (src/util/temp-output-file.ts). */
  readonly path: string;
  readonly includeFailed: boolean;
  readonly mode: 'snapshot' | 'append';
}

/**
 * The sink of the ndjson and geojson outputs: each entry as a STAC Item (src/catalog/catalog-item.ts), one
 * JSON text each, streamed with backpressure to a temporary file renamed into place at `finish` (a run that
 * aborts leaves an earlier file as it was); nothing but the current item is held. An item that JSON cannot write
 * (nested too deep, a cycle) is written without the run's fields, failed with ERR_CATALOG_VALUE.
 */
export function itemCatalogSink(options: ItemCatalogOptions, framing: ItemFraming, ctx: StageContext): OutputSink {
  const file = new TempOutputFile<string>(options.path);
  let rows = 0;
  const textOf = (entry: Entry): string => {
    const item = catalogItem(entry);
    try {
      return JSON.stringify(item);
    } catch (err) {
      // JSON.stringify's own refusals (nested too deep, a cycle): the value's fault, not stacflow's.
      if (!(err instanceof RangeError || err instanceof TypeError)) throw err;
      const failed = ctx.fail(entry, new EntryError('ERR_CATALOG_VALUE', `item ${entry.item.id}: a field cannot be written as JSON (${errorMessage(err)}); written without the run's fields`));
      return JSON.stringify(catalogItem({ ...failed, fields: {} }));
    }
  };
  return {
    mode: options.mode,
    ...fileTarget(options.path),
    async write(entry) {
      if (leavesOut(entry, options.includeFailed, ctx)) return;
      const text = textOf(entry);
      await file.write(rows === 0 ? framing.head + text : framing.separator + text);
      rows += 1;
    },
    async finish() {
      await file.write(rows === 0 ? framing.head + framing.tail.trimStart() : framing.tail);
      await file.finish();
      ctx.log.info({ path: options.path, rows }, `${ctx.label}: wrote ${rows} items to ${options.path}`);
      return { path: options.path, rows };
    },
    abort: () => file.abort(),
  };
}
