import { stringify } from 'csv-stringify';
import { TempOutputFile } from '../util/temp-output-file.js';

export interface CsvWriterOptions {
  /**
   * Cells that a spreadsheet would run as a formula (beginning with `=`, `+`, `-`, `@`, a tab or a CR, and
   * their full-width forms) get a `'` in front (csv-stringify's `escape_formulas`, OWASP's advice for CSV
   * injection). Numbers are never touched: `-12.5` stays `-12.5`. Default: true.
   */
  readonly escapeFormulas?: boolean;
}

/**
 * Writes CSV rows to a temporary file beside `path` (src/util/temp-output-file.ts), streaming through
 * csv-stringify, with backpressure; `finish()` renames it to `path`, so a reader never sees half a catalog;
 * `abort()` removes the temporary file and leaves any earlier file at `path` as it was.
 */
export class CsvFileWriter extends TempOutputFile<Array<string | number>> {
  constructor(path: string, options: CsvWriterOptions = {}) {
    const escapeFormulas = options.escapeFormulas ?? true;
    super(path, () => stringify({ escape_formulas: escapeFormulas }));
  }

  /**
   * Resolves when the stream accepts more (after 'drain' when its buffer is full). Throws (a RangeError, from
   * JSON.stringify) when a value cannot be made text: `csvCell` each value first to keep that to one cell.
   */
  writeRow(values: readonly unknown[]): Promise<void> {
    return this.write(values.map(csvCell));
  }
}

/**
 * A value as a CSV cell: a number stays a number (csv-stringify writes it as `String(n)` and, being
 * a number, never escapes its `-`); anything else as formatCsvValue's text.
 */
export function csvCell(value: unknown): string | number {
  return typeof value === 'number' ? value : formatCsvValue(value);
}

/** A value as CSV text: numbers as-is, null/undefined empty, dates ISO, arrays and objects as compact JSON. */
export function formatCsvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  return JSON.stringify(value) ?? '';
}
