import { resolve } from 'node:path';
import { z } from 'zod';
import type { OutputStage } from '../src/engine/stage.js';
import { STDOUT_PATH } from '../src/util/temp-output-file.js';

export const geojsonOptions = z
  .object({
    path: z.string().min(1).describe('File to write (directories are created), replaced only when the run completes; `-` is standard output; an existing FIFO or device is written in place'),
    include_failed: z
      .boolean()
      .default(true)
      .describe('Write failed entries too, with their failures under properties["stacflow:failures"]; false leaves them out'),
  })
  .strict()
  .describe('Write a GeoJSON FeatureCollection of the STAC Items');

const example = `geojson: { path: out/kaguya-tc.geojson }
`;

/**
 * `geojson`: a GeoJSON FeatureCollection of the items (QGIS, GeoPandas and geojson.io open it), streamed one
 * feature a line, never the whole array in memory, to a temporary file renamed to `path` at the end of the
 * run (`-`: standard output).
 *
 * ```yaml
 * geojson: { path: out/kaguya-tc.geojson }
 * ```
 *
 * Each feature is the STAC Item as the `ndjson` output writes it: `stacflow:<name>` properties for the
 * `select`ed fields, `stacflow:failures`, `file:local_path`, `file:size` and `file:checksum` on downloaded
 * assets. The `items` source reads the file back. Counted: `failed_left_out` with `include_failed: false`.
 */
export const geojson: OutputStage<typeof geojsonOptions> = {
  kind: 'output',
  name: 'geojson',
  summary: 'Write a GeoJSON FeatureCollection of the STAC Items, with the selected fields and local files',
  example,
  schema: geojsonOptions,
  async create(options, ctx) {
    const { itemCatalogSink, FEATURE_COLLECTION_FRAMING } = await import('../src/catalog/item-catalog-sink.js');
    const path = options.path === STDOUT_PATH ? STDOUT_PATH : resolve(options.path);
    return itemCatalogSink({ path, includeFailed: options.include_failed }, FEATURE_COLLECTION_FRAMING, ctx);
  },
};
