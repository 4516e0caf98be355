import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { StacItem } from '../entry.js';
import { errorMessage, RunAbortedError } from '../errors.js';
import { itemProblem } from '../stac/item-guard.js';
import { CollectionSyntaxError, FeatureCollectionSplitter, type FeatureText } from './feature-collection-splitter.js';
import { PARQUET_FROM_STDIN, STDIN_PATH } from './item-file-format.js';

/** One item read from the file, or why the line or feature at `where` gives none. */
export type ItemRecord =
  | { readonly item: StacItem; readonly where: string }
  | { readonly failure: { readonly code: string; readonly message: string }; readonly where: string; readonly id: string; readonly collection?: string };

export interface ItemFileOptions {
  /** The path as the pipeline gives it (named in messages), `-` for standard input. */
  readonly path: string;
  /** The path to open (resolved), or `-`. */
  readonly file: string;
  readonly format: 'ndjson' | 'geojson' | 'parquet';
  /** A longer line or feature is read past, never held: that item fails (JSON formats; a Parquet row is bounded by its row group). */
  readonly maxItemBytes: number;
  readonly signal?: AbortSignal;
}

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The items of a file, in batches (the records one chunk of 64 KiB completes), read only as fast as the
 * batches are taken: a 2 GB file costs a chunk and the items in flight, never the whole file.
 *
 * - NDJSON: one item a line, split on bytes (a line may span chunks), `\r\n` accepted, blank lines skipped.
 *   A line that is not JSON, not a STAC Item, or longer than `maxItemBytes` (not buffered beyond that)
 *   gives a failure record naming `path:line`; the next line is read as usual.
 * - GeoJSON: a FeatureCollection, cut into its features as bytes arrive (src/catalog/feature-collection-splitter.ts),
 *   each then parsed alone. A feature that is not JSON, not a STAC Item, or longer than `maxItemBytes` (followed
 *   to its end, not held) gives a failure record naming `path:line: features[n]`; a file whose own structure
 *   is broken (not JSON there, cut short) or that is not a FeatureCollection cannot be read past that point:
 *   the run ends (RunAbortedError ERR_ITEMS_FILE, with line and column).
 * - Parquet: a stac-geoparquet file, row group by row group (src/catalog/item-file-parquet.ts, loaded only for
 *   it); a row that gives no item fails naming `path:row N`. Not from standard input: its footer is at the end.
 * A file that cannot be opened or read ends the run too.
 */
export async function* readItemFile(options: ItemFileOptions): AsyncGenerator<ItemRecord[], void, undefined> {
  if (options.format === 'parquet' && options.file === STDIN_PATH) throw itemsFileError(options.path, PARQUET_FROM_STDIN);
  const input = options.format === 'parquet' ? undefined : openInput(options); // Parquet: opened by its reader
  try {
    if (input === undefined) yield* (await import('./item-file-parquet.js')).parquetRecords(options);
    else yield* options.format === 'ndjson' ? ndjsonRecords(input, options) : featureRecords(input, options);
  } catch (err) {
    if (err instanceof RunAbortedError || (err as { name?: string } | null)?.name === 'AbortError') throw err;
    throw itemsFileError(options.path, errorMessage(err), err);
  } finally {
    if (input !== undefined && options.file !== STDIN_PATH) input.destroy();
  }
}

function openInput(options: ItemFileOptions): Readable {
  if (options.file === STDIN_PATH) return process.stdin;
  return createReadStream(options.file, { highWaterMark: CHUNK_BYTES, signal: options.signal });
}

export function itemsFileError(path: string, message: string, cause?: unknown): RunAbortedError {
  return new RunAbortedError('ERR_ITEMS_FILE', `cannot read items from ${path}: ${message}`, cause);
}

async function* ndjsonRecords(input: Readable, options: ItemFileOptions): AsyncGenerator<ItemRecord[]> {
  const name = basename(options.path);
  let line = 1;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  const lineDone = (records: ItemRecord[], last: Buffer): void => {
    const where = `${options.path}:${line}`;
    if (tooLong) {
      records.push(failure(where, `${name}:${line}`, 'ERR_ITEM_TOO_LARGE', `line longer than ${options.maxItemBytes} bytes (max_item_bytes); the item is skipped`));
    } else {
      const bytes = pending.length === 0 ? last : Buffer.concat([...pending, last]);
      const record = lineRecord(bytes, line, where, `${name}:${line}`);
      if (record !== undefined) records.push(record);
    }
    pending = [];
    pendingBytes = 0;
    tooLong = false;
    line += 1;
  };
  const keep = (piece: Buffer): void => {
    if (tooLong) return;
    pendingBytes += piece.length;
    if (pendingBytes > options.maxItemBytes) {
      tooLong = true; // the rest of this line is read past, never held
      pending = [];
    } else if (piece.length > 0) pending.push(piece);
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const records: ItemRecord[] = [];
    let from = 0;
    for (let at = chunk.indexOf(NEWLINE, from); at >= 0; at = chunk.indexOf(NEWLINE, from)) {
      const piece = chunk.subarray(from, at);
      if (!tooLong && pendingBytes + piece.length > options.maxItemBytes) tooLong = true;
      lineDone(records, piece);
      from = at + 1;
    }
    keep(Buffer.from(chunk.subarray(from))); // a copy: the chunk's memory is not held for a line's tail
    if (records.length > 0) yield records;
  }
  if (pendingBytes > 0 || tooLong) {
    const records: ItemRecord[] = [];
    lineDone(records, Buffer.alloc(0));
    if (records.length > 0) yield records;
  }
}

/** The record of one NDJSON line, or undefined for a blank one. */
function lineRecord(bytes: Buffer, line: number, where: string, stubId: string): ItemRecord | undefined {
  let text = bytes.toString('utf8');
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return failure(where, stubId, 'ERR_ITEM_JSON', `not JSON (${errorMessage(err)})`);
  }
  return itemRecord(value, where, stubId);
}

/** A parsed value as an item record: a STAC Item fit to flow, or a failure saying what is wrong. */
export function itemRecord(value: unknown, where: string, stubId: string): ItemRecord {
  const shape = shapeProblem(value);
  const item = value as StacItem;
  const id = typeof item?.id === 'string' && item.id !== '' ? item.id : stubId;
  const collection = typeof item?.collection === 'string' ? item.collection : undefined;
  if (shape !== undefined) return failure(where, id, 'ERR_ITEM_INVALID', `not a STAC Item: ${shape}`, collection);
  const deep = itemProblem(value);
  if (deep !== undefined) return failure(where, id, 'ERR_ITEM_INVALID', `item ${id}: ${deep}`, collection);
  return { item, where };
}

/** What a pipeline stage would trip on: the members every stage reads, with their JSON types. */
function shapeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `expected a JSON object, found ${jsonType(value)}`;
  const item = value as Record<string, unknown>;
  if (item.type !== 'Feature') return `"type" is ${JSON.stringify(item.type) ?? 'missing'}, expected "Feature"`;
  if (typeof item.id !== 'string' || item.id === '') return '"id" must be a non-empty string';
  if (!isObject(item.properties)) return `"properties" must be an object, found ${jsonType(item.properties)}`;
  if (!isObject(item.assets)) return `"assets" must be an object ({} when none), found ${jsonType(item.assets)}`;
  if (item.geometry === undefined) return '"geometry" is missing (null when the item has none)';
  if (item.collection !== undefined && typeof item.collection !== 'string') return '"collection" must be a string';
  return undefined;
}

const isObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);
const jsonType = (value: unknown): string => (value === undefined ? 'nothing' : value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

function failure(where: string, id: string, code: string, message: string, collection?: string): ItemRecord {
  return { failure: { code, message: `${where}: ${message}` }, where, id, ...(collection === undefined ? {} : { collection }) };
}

async function* featureRecords(input: Readable, options: ItemFileOptions): AsyncGenerator<ItemRecord[]> {
  const name = basename(options.path);
  const splitter = new FeatureCollectionSplitter(options.maxItemBytes);
  const recordOf = ({ bytes, index, line }: FeatureText): ItemRecord => {
    const where = `${options.path}:${line}: features[${index}]`;
    const stubId = `${name}#${index}`;
    if (bytes === undefined) return failure(where, stubId, 'ERR_ITEM_TOO_LARGE', `feature longer than ${options.maxItemBytes} bytes (max_item_bytes); the item is skipped`);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      return failure(where, stubId, 'ERR_ITEM_JSON', `not JSON (${errorMessage(err)})`);
    }
    return itemRecord(value, where, stubId);
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let texts: FeatureText[];
    try {
      texts = splitter.push(chunk);
    } catch (err) {
      if (!(err instanceof CollectionSyntaxError)) throw err;
      throw itemsFileError(options.path, err.message, err);
    }
    if (splitter.topType !== undefined && splitter.topType !== 'FeatureCollection') throw notCollection(options.path, splitter.topType);
    if (texts.length > 0) yield texts.map(recordOf);
  }
  try {
    splitter.end();
  } catch (err) {
    if (!(err instanceof CollectionSyntaxError)) throw err;
    throw itemsFileError(options.path, err.message, err);
  }
  if (splitter.topType !== 'FeatureCollection') throw notCollection(options.path, splitter.topType);
}

const notCollection = (path: string, topType: unknown): RunAbortedError =>
  itemsFileError(path, `expected a GeoJSON FeatureCollection ({"type": "FeatureCollection", "features": [...]}), found ${topType === undefined ? 'no top-level "type"' : `"type": ${JSON.stringify(topType)}`}`);
