import { BBOX_COLUMN, PRIMARY_COLUMN } from './item-row.js';

/** The GeoParquet version of the `geo` key and the stac-geoparquet version of the `stac-geoparquet` key. */
export const GEOPARQUET_VERSION = '1.1.0';
export const STAC_GEOPARQUET_VERSION = '1.1.0';

/** What the writer saw of one WKB column: its geometry types (`Polygon`, `Point Z`) and 2D extent. */
export class GeometryStats {
  readonly types = new Set<string>();
  private box = [Infinity, Infinity, -Infinity, -Infinity];

  add(typeName: string, bounds: readonly number[] | undefined): void {
    this.types.add(typeName);
    if (!bounds) return;
    const b = this.box;
    b[0] = Math.min(b[0], bounds[0]);
    b[1] = Math.min(b[1], bounds[1]);
    b[2] = Math.max(b[2], bounds[2]);
    b[3] = Math.max(b[3], bounds[3]);
  }

  get bbox(): number[] | undefined {
    return this.box[0] === Infinity ? undefined : [...this.box];
  }
}

/**
 * The `geo` file metadata (GeoParquet 1.1): every WKB column with its `geometry_types` as seen (sorted), its
 * bbox, and for the primary column the `bbox` struct column as its covering. `crs` is left out: omitted means
 * OGC:CRS84, what stac-geoparquet asks for.
 */
export function geoMetadata(columns: ReadonlyMap<string, GeometryStats>): Record<string, unknown> {
  const described: Record<string, unknown> = {};
  for (const [name, stats] of columns) {
    const bbox = stats.bbox;
    described[name] = {
      encoding: 'WKB',
      geometry_types: [...stats.types].sort(),
      ...(bbox ? { bbox } : {}),
      ...(name === PRIMARY_COLUMN
        ? { covering: { bbox: Object.fromEntries(['xmin', 'ymin', 'xmax', 'ymax'].map((k) => [k, [BBOX_COLUMN, k]])) } }
        : {}),
    };
  }
  return { version: GEOPARQUET_VERSION, primary_column: PRIMARY_COLUMN, columns: described };
}

/**
 * The `stac-geoparquet` file metadata: its version and the collections (id to Collection JSON, each keyed by
 * its own `id` as the schema asks): read from the API by collections.ts (`collections: fetch`), or as given.
 */
export function stacGeoparquetMetadata(collections: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { version: STAC_GEOPARQUET_VERSION, collections };
}
