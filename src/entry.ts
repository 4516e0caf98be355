/**
 * What flows through a pipeline: one entry per STAC item (see DESIGN.md, "What flows").
 * The item is never mutated; steps return a new entry with more fields, files or failures.
 */

/** A STAC Item as the API sent it. Only the members stacflow reads are typed. */
export interface StacItem {
  type: 'Feature';
  stac_version?: string;
  id: string;
  collection?: string;
  geometry: unknown;
  bbox?: number[];
  properties: Record<string, unknown> & { datetime?: string | null };
  assets: Record<string, StacAsset>;
  links?: Array<{ rel: string; href: string; [k: string]: unknown }>;
  [extra: string]: unknown;
}

export interface StacAsset {
  href: string;
  type?: string;
  title?: string;
  roles?: string[];
  [extra: string]: unknown;
}

/** Whether an error is worth retrying, spoils one item, or makes the whole run meaningless. */
export type ErrorClass = 'retryable' | 'item' | 'fatal';

/** What went wrong for one item in one stage, in words a person can act on. */
export interface Failure {
  stage: string;
  code: string;
  message: string;
  href?: string;
  status?: number;
}

/** A local copy of one asset (written by the download step). */
export interface FileRecord {
  path: string;
  bytes: number;
  etag?: string;
  checksum?: string;
  status: 'downloaded' | 'skipped' | 'failed';
  /** The href the file was downloaded from. */
  href?: string;
  /** Bytes already on disk (a `.part` of an interrupted run) when this run resumed the download. */
  resumed_from?: number;
}

export interface Entry {
  readonly item: StacItem;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly files: Readonly<Record<string, FileRecord>>;
  readonly failures: readonly Failure[];
}

export function newEntry(item: StacItem): Entry {
  return { item, fields: {}, files: {}, failures: [] };
}

export function withFields(entry: Entry, fields: Record<string, unknown>): Entry {
  return { ...entry, fields: { ...entry.fields, ...fields } };
}

export function withFailure(entry: Entry, failure: Failure): Entry {
  return { ...entry, failures: [...entry.failures, failure] };
}

export function withFile(entry: Entry, asset: string, file: FileRecord): Entry {
  return { ...entry, files: { ...entry.files, [asset]: file } };
}

export const hasFailed = (entry: Entry): boolean => entry.failures.length > 0;
