import type { Entry } from '../entry.js';
import { geometryToWkt } from './wkt.js';

/** A column as src/catalog/columns.ts has it (restated here: columns.ts imports this file). */
interface Column {
  readonly name: string;
  readonly read: (entry: Entry) => unknown;
}

/**
 * The columns that let GIS tools map a CSV catalog. `geometry` is the item's footprint as WKT, the one form
 * both readers take: GeoPandas (`gpd.read_file(csv, GEOM_POSSIBLE_NAMES="geometry", KEEP_GEOM_COLUMNS="NO")`,
 * GDAL's CSV driver) and QGIS (Delimited Text, "Well known text (WKT)", field `geometry`). `bbox` is four
 * number columns `bbox_xmin`, `bbox_ymin`, `bbox_xmax`, `bbox_ymax` (stac-geoparquet's names for its bbox
 * struct, joined with `_`): both tools read them as numbers to sort and select on (one text cell
 * `xmin,ymin,xmax,ymax` would be a string to them). A 3D bbox (6 numbers) gives its 2D extent; an item
 * without a bbox (or with a malformed one) gives empty cells.
 */
export function geometryColumn(name = 'geometry'): Column {
  return { name, read: (entry: Entry) => geometryToWkt(entry.item.geometry) };
}

const BBOX_PARTS = ['xmin', 'ymin', 'xmax', 'ymax'] as const;
/** Where each part sits in a 2D bbox (4 numbers) and a 3D one (6: xmin, ymin, zmin, xmax, ymax, zmax). */
const INDEX_2D = [0, 1, 2, 3];
const INDEX_3D = [0, 1, 3, 4];

export function bboxColumns(prefix = 'bbox'): Column[] {
  return BBOX_PARTS.map((part, i) => ({ name: `${prefix}_${part}`, read: (entry: Entry) => bboxPart(entry.item.bbox, i) }));
}

function bboxPart(bbox: unknown, i: number): number | null {
  if (!Array.isArray(bbox)) return null;
  const index = bbox.length === 4 ? INDEX_2D : bbox.length === 6 ? INDEX_3D : undefined;
  const value: unknown = index === undefined ? undefined : bbox[index[i]];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
