import type { Entry, FileRecord } from '../entry.js';

/**
 * The local copies an entry's catalog row may name: files the download step wrote or found current
 * (`downloaded`, `skipped`). A `failed` record (404, 403, a wrong checksum) names where the file would have
 * gone, but nothing is there: no `file:<asset>` column, `file:local_path` or parquet value for it.
 */
export const isLocalCopy = (file: FileRecord | undefined): file is FileRecord => file !== undefined && file.status !== 'failed';

/** The local path of the entry's `asset`, or null when no file of it exists. */
export const localPathOf = (entry: Entry, asset: string): string | null => {
  const file = entry.files[asset];
  return isLocalCopy(file) ? file.path : null;
};

/** Each asset of the entry that has a local copy, with its record. */
export const localCopies = (entry: Entry): Array<[string, FileRecord]> => Object.entries(entry.files).filter(([, file]) => isLocalCopy(file));
