import { itemCatalogOptions, outputTarget } from '../src/catalog/output-options.js';
import type { OutputStage } from '../src/engine/stage.js';

export const geojsonOptions = itemCatalogOptions('Write a GeoJSON FeatureCollection of the STAC Items');

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
  writesFiles: ['path'],
  summary: 'Write a GeoJSON FeatureCollection of the STAC Items, with the selected fields and local files',
  example,
  schema: geojsonOptions,
  async create(options, ctx) {
    const { itemCatalogSink, FEATURE_COLLECTION_FRAMING } = await import('../src/catalog/item-catalog-sink.js');
    const path = outputTarget(options.path);
    return itemCatalogSink({ path, includeFailed: options.include_failed, mode: options.mode }, FEATURE_COLLECTION_FRAMING, ctx);
  },
};
