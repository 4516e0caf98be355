import type { Entry, StacAsset, StacItem } from '../entry.js';
import { localCopies } from './local-files.js';

/** The STAC File extension, whose `file:local_path`, `file:size` and `file:checksum` describe downloads. */
export const FILE_EXTENSION = 'https://stac-extensions.github.io/file/v2.1.0/schema.json';

/** Prefix of the properties stacflow adds: each `select`ed field, and the failures. */
export const STACFLOW_PREFIX = 'stacflow:';

/**
 * An entry as a STAC Item for the ndjson and geojson catalogs: the item as the source gave it, plus what the
 * run learned, in places a STAC reader expects, so the line is still a valid STAC Item:
 * - each scalar field (`select` names: numbers, text, booleans, null, dates as ISO text, arrays) as the
 *   property `stacflow:<name>`; label documents and other objects are left out, as in the CSV's defaults;
 * - the failures, when there are any, as `stacflow:failures` (`[{ stage, code, message, href?, status? }]`);
 * - each asset the download step wrote (downloaded or already there; not a failed one) gets
 *   `file:local_path`, `file:size` and, when known, `file:checksum` (multihash hex), and the File extension
 *   is listed in `stac_extensions`.
 * The item itself is never changed: properties, assets and stac_extensions are new objects.
 */
export function catalogItem(entry: Entry): StacItem {
  const item = entry.item;
  const derived = derivedProperties(entry);
  const assets = withLocalFiles(item.assets, entry);
  if (derived === undefined && assets === item.assets) return item;
  const out: StacItem = { ...item };
  if (derived !== undefined) out.properties = { ...item.properties, ...derived };
  if (assets !== item.assets) {
    out.assets = assets;
    const extensions = Array.isArray(item.stac_extensions) ? (item.stac_extensions as unknown[]) : [];
    if (!extensions.includes(FILE_EXTENSION)) out.stac_extensions = [...extensions, FILE_EXTENSION];
  }
  return out;
}

function derivedProperties(entry: Entry): Record<string, unknown> | undefined {
  let derived: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(entry.fields)) {
    const written = propertyValue(value);
    if (written === undefined) continue;
    (derived ??= {})[`${STACFLOW_PREFIX}${name}`] = written;
  }
  if (entry.failures.length > 0) (derived ??= {})[`${STACFLOW_PREFIX}failures`] = entry.failures.map((f) => ({ ...f }));
  return derived;
}

/** A field as a property value, or undefined for what is left out (documents, other objects). */
function propertyValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  return Array.isArray(value) ? value : undefined;
}

function withLocalFiles(assets: StacItem['assets'], entry: Entry): StacItem['assets'] {
  const written = localCopies(entry);
  if (written.length === 0 || assets === undefined || assets === null) return assets; // (a GeoJSON feature may have no assets)
  const out: Record<string, StacAsset> = { ...assets };
  for (const [key, file] of written) {
    const asset = assets[key];
    if (asset === undefined) continue; // a file of no asset of this item: nowhere to say it
    out[key] = {
      ...asset,
      'file:local_path': file.path,
      'file:size': file.bytes,
      ...(file.checksum === undefined ? {} : { 'file:checksum': file.checksum }),
    };
  }
  return out;
}
