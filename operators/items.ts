import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_MAX_ITEM_BYTES, itemFileFormat, PARQUET_FROM_STDIN, STDIN_PATH } from '../src/catalog/item-file-format.js';
import type { SourceStage } from '../src/engine/stage.js';


export const itemsOptions = z
  .object({
    path: z.string().min(1).describe('File of STAC Items to read: NDJSON (one item a line), a GeoJSON FeatureCollection or stac-geoparquet; `-` is standard input (not for stac-geoparquet)'),
    format: z
      .enum(['ndjson', 'geojson', 'parquet'])
      .optional()
      .describe('ndjson, geojson (a FeatureCollection) or parquet (stac-geoparquet); default by extension: .ndjson/.jsonl/.geojsonl → ndjson, .json/.geojson → geojson, .parquet/.geoparquet → parquet; standard input: ndjson'),
    max_item_bytes: z
      .number()
      .int()
      .min(1024)
      .default(DEFAULT_MAX_ITEM_BYTES)
      .describe('Longest line (NDJSON) or feature (FeatureCollection) read, in bytes: a longer one fails that item, is read past without being held, and the run goes on (stac-geoparquet: not used, a row group is read at a time)'),
  })
  .strict()
  .superRefine((options, ctx) => {
    const format = itemFileFormat(options.path, options.format);
    if (format === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `cannot tell the format of ${options.path} from its extension: add format: ndjson or format: geojson` });
    } else if (format === 'parquet' && options.path === STDIN_PATH) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: PARQUET_FROM_STDIN });
    }
  })
  .describe('Read STAC Items from a local file (NDJSON, a GeoJSON FeatureCollection or stac-geoparquet)');

const example = `items: { path: out/kaguya-tc.ndjson }
`;

/**
 * `items`: the STAC Items of a local file, one entry each, instead of a search: a catalog saved by the
 * `ndjson`, `geojson` or `geoparquet` output (or any NDJSON / FeatureCollection of STAC Items, any
 * stac-geoparquet file) runs again through labels, filters and downloads without the API.
 *
 * ```yaml
 * items: { path: out/kaguya-tc.ndjson }
 * ```
 *
 * The file is streamed (src/catalog/item-file-reader.ts): NDJSON line by line, a FeatureCollection cut into
 * its features as bytes arrive, one entry per flow slot, so a 2 GB catalog costs the entries in flight. Each item is
 * checked as a source's items are (`type` Feature, an `id`, `properties` and `assets` objects, `geometry`
 * present, nesting within src/stac/item-guard.ts's limit); one that is not, a line that is not JSON or is longer
 * than `max_item_bytes`, fails that item (ERR_ITEM_INVALID, ERR_ITEM_JSON, ERR_ITEM_TOO_LARGE) with
 * `file:line` (FeatureCollection: `file:line: features[n]`) in the message, and the run goes on (exit code 3).
 * A file that cannot be opened, or a FeatureCollection whose own structure is broken (between features,
 * cut short) or that is no FeatureCollection, ends the run (ERR_ITEMS_FILE, with line and column).
 * Items are not changed: the `stacflow:` properties an ndjson output wrote stay properties (a filter reads
 * `stacflow:incidence_angle` by that name).
 *
 * stac-geoparquet (`.parquet`, `.geoparquet`; a file, not standard input) is read a row group at a time, each
 * row turned back into the item (src/catalog/geoparquet/row-item.ts): WKB geometries to GeoJSON, the bbox struct
 * to an array, the property columns into `properties` (timestamps as ISO text in UTC), links and assets; null
 * values are left out (Parquet cannot tell them from absent ones) but where STAC gives null a meaning
 * (`datetime` beside start and end, `proj:epsg` in an item declaring the projection extension). The
 * geoparquet output's own columns give what the ndjson output writes for the same entry: `stacflow:spill` is
 * merged back, `stacflow:<name>` stay properties, `file:<asset>` is the asset's `file:local_path`. A row that gives no item fails (ERR_ITEM_INVALID; ERR_ITEM_PARQUET for each row of a row
 * group that does not decode) naming `file:row N`; a file that is not Parquet or not stac-geoparquet (no `geo`
 * metadata) ends the run at open (ERR_ITEMS_FILE). Memory holds one row group decoded (the geoparquet output's
 * 5,000 Kaguya items: ~75 MB of heap, more while hyparquet assembles it), whatever the size of the file.
 * Counted under the stage label: `read` (lines, features or rows that held something) and `invalid`.
 */
export const items: SourceStage<typeof itemsOptions> = {
  kind: 'source',
  name: 'items',
  summary: 'Read STAC Items from a local NDJSON, GeoJSON FeatureCollection or stac-geoparquet file (or standard input)',
  example,
  schema: itemsOptions,
  async create(options, ctx) {
    const { itemFileSource } = await import('../src/catalog/item-file-source.js');
    const format = itemFileFormat(options.path, options.format)!; // unknown: refused at load
    const stdin = options.path === STDIN_PATH;
    const file = stdin ? STDIN_PATH : resolve(options.path);
    // Messages name the file as the pipeline does (`saved.ndjson:12`), standard input as `<stdin>:12`.
    return itemFileSource({ path: stdin ? '<stdin>' : options.path, file, format, maxItemBytes: options.max_item_bytes }, ctx);
  },
};
