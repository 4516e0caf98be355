import { extname } from 'node:path';

/** The files of items the `items` source reads. */
export type ItemFileFormat = 'ndjson' | 'geojson' | 'parquet';

const BY_EXTENSION: Readonly<Record<string, ItemFileFormat>> = {
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.geojsonl': 'ndjson',
  '.geojsons': 'ndjson',
  '.json': 'geojson',
  '.geojson': 'geojson',
  '.parquet': 'parquet',
  '.geoparquet': 'parquet',
};

/** A STAC Item is a few kB (a Kaguya TC item: 5 kB); a line or feature past this is no item worth holding. */
export const DEFAULT_MAX_ITEM_BYTES = 16 * 1024 * 1024;

/** `-` as an input path: standard input. */
export const STDIN_PATH = '-';

/**
 * The format of `path`: `format` when given, else by extension (standard input: NDJSON); undefined when the
 * extension says nothing (the caller asks for `format`).
 */
export function itemFileFormat(path: string, format?: ItemFileFormat): ItemFileFormat | undefined {
  if (format !== undefined) return format;
  if (path === STDIN_PATH) return 'ndjson';
  return BY_EXTENSION[extname(path).toLowerCase()];
}

/** Why standard input cannot be stac-geoparquet. */
export const PARQUET_FROM_STDIN = 'stac-geoparquet cannot be read from standard input (a Parquet file is read from its footer, at its end): give a file path';
