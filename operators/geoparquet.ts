import { z } from 'zod';
import type { OutputStage } from '../src/engine/stage.js';
import { fileTarget, leavesOut, outputModeOption, outputPathOption, outputTarget } from '../src/catalog/output-options.js';

export const geoparquetOptions = z
  .object({
    path: outputPathOption,
    row_group_size: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(5_000)
      .describe('Rows in a Parquet row group (held in memory before they are written); the schema is learned from the first group'),
    include_failed: z
      .boolean()
      .default(true)
      .describe('Write failed entries too, with a `stacflow:failed` column (stage: message); false leaves them out'),
    mode: outputModeOption,
    collections: z
      .union([z.enum(['fetch', 'none']), z.record(z.string().min(1), z.record(z.string(), z.unknown()))])
      .default('fetch')
      .describe(
        'The `collections` of the `stac-geoparquet` file metadata: `fetch` reads each collection the items link (their collection link, ' +
          'else parent or root + /collections/{id}) once, at the end, within the `http:` limits (one unreadable is a warning and left out); ' +
          '`none` writes no collections; or the Collection JSON by collection id, written as given',
      ),
  })
  .strict()
  .describe('Write one stac-geoparquet 1.1 row per entry');

const example = `geoparquet:
  path: out/kaguya-tc.parquet
  row_group_size: 5000
`;

/**
 * `geoparquet`: one stac-geoparquet 1.1 row per entry (GeoParquet 1.1), streamed in row groups to a temporary
 * file renamed to `path` at the end of the run; DuckDB, GeoPandas and QGIS open it.
 *
 * ```yaml
 * geoparquet:
 *   path: out/kaguya-tc.parquet
 *   row_group_size: 5000
 * ```
 *
 * Columns (src/catalog/geoparquet/item-row.ts): `stac_extensions`, `id`, `geometry` (WKB, OGC:CRS84), `bbox`
 * ({xmin, ymin, xmax, ymax}, the covering of `geometry`), `links`, `assets` (a struct of asset structs),
 * `collection`, `stac_version`, each property as a top-level column (numbers as doubles, STAC datetimes as UTC
 * microsecond timestamps, GeoJSON geometries such as `proj:geometry` as WKB, arrays of scalars as lists, other
 * objects such as `proj:projjson` as JSON text of Parquet's JSON type: one column, not hundreds), then `stacflow:<name>` for the scalar fields steps set (`select` names), `file:<asset>` for local
 * copies, `stacflow:failed` for failed entries (with `include_failed`), and `stacflow:spill`.
 * File metadata: `geo` (version 1.1.0, geometry_types as seen, bbox, the covering) and `stac-geoparquet`
 * (version 1.1.0, `collections`). With `collections: fetch` (the default) each written item's collection is
 * located from its links as rows go by, and at the end each distinct collection's JSON is read once from the
 * API (src/catalog/geoparquet/collections.ts: the run's retries, deadlines and http.max_page_bytes, all reads
 * ended by http.give_up_after, four at a time, no credentials sent); a collection that cannot be read, answers
 * another id, or that no item links is a warning (W_COLLECTION_UNREAD with its href and why,
 * W_COLLECTION_UNLOCATED) and is left out, never an end of the run. Counted: `collections` (read).
 *
 * Drift rule (items whose properties come and go or change type; never a crash, nothing dropped): the schema is
 * learned from the first `row_group_size` rows; a type conflict among them widens the column (or struct member)
 * to string (JSON text for non-strings), counted `widened:<column>`. Later values that do not fit (a column the
 * first group never had, another type) are kept as JSON in `stacflow:spill` ({column: value}), counted
 * `spilled:<column>`. Counters: `rows`, `failed_left_out`, `widened:<column>`, `spilled:<column>`.
 */
export const geoparquet: OutputStage<typeof geoparquetOptions> = {
  kind: 'output',
  name: 'geoparquet',
  writesFiles: ['path'],
  summary: 'Write one stac-geoparquet 1.1 row per entry (WKB geometry, bbox covering, lifted properties)',
  example,
  schema: geoparquetOptions,
  async create(options, ctx) {
    const { GeoParquetWriter } = await import('../src/catalog/geoparquet/writer.js'); // hyparquet-writer: loaded to run
    const { CollectionLinks, readCollections } = await import('../src/catalog/geoparquet/collections.js');
    const path = outputTarget(options.path);
    const links = options.collections === 'fetch' ? new CollectionLinks() : undefined;
    const writer = new GeoParquetWriter(path, {
      rowGroupSize: options.row_group_size,
      includeFailed: options.include_failed,
      count: (name) => ctx.stats.count(ctx.label, name),
    });
    return {
      mode: options.mode,
      ...fileTarget(path),
      async write(entry) {
        if (leavesOut(entry, options.include_failed, ctx)) return;
        links?.note(entry.item);
        await writer.write(entry);
      },
      async finish() {
        let collections: Readonly<Record<string, unknown>> = typeof options.collections === 'object' ? options.collections : {};
        if (links) {
          collections = await readCollections(links, ctx);
          ctx.stats.count(ctx.label, 'collections', Object.keys(collections).length);
        }
        const rows = await writer.finish(collections);
        ctx.stats.count(ctx.label, 'rows', rows);
        ctx.log.info({ path, rows }, `${ctx.label}: wrote ${rows} rows to ${path}`);
        return { path, rows };
      },
      abort: () => writer.abort(),
    };
  },
};
