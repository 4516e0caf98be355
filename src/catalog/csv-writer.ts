import { stringify } from 'csv-stringify';
import { TempOutputFile } from '../util/temp-output-file.js';

/**
 * Writes CSV rows to a temporary file beside `path` (src/util/temp-output-file.ts), streaming through
 * csv-stringify, with backpressure; `finish()` renames it to `path`, so a reader never sees half a catalog;
 * `abort()` removes the temporary file and leaves any earlier file at `path` as it was.
 */
export class CsvFileWriter extends TempOutputFile<string[]> {
  constructor(path: string) {
    super(path, () => stringify());
  }

  /** Resolves when the stream accepts more (after 'drain' when its buffer is full). */
  writeRow(values: readonly unknown[]): Promise<void> {
    return this.write(values.map(formatCsvValue));
  }
}

/** A value as CSV text: numbers as-is, null/undefined empty, dates ISO, arrays and objects as compact JSON. */
export function formatCsvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  return JSON.stringify(value) ?? '';
}
