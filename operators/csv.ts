import { z } from 'zod';
import { fileTarget, leavesOut, outputModeOption, outputPathOption, outputTarget } from '../src/catalog/output-options.js';
import { hasFailed, type Entry } from '../src/entry.js';
import { columnsFromSpecs, columnsSchema, defaultColumns, FAILED_COLUMN, GIS_COLUMNS, type Column } from '../src/catalog/columns.js';

import { EntryError, errorMessage } from '../src/errors.js';
import type { OutputStage } from '../src/engine/stage.js';

export const csvOptions = z
  .object({
    path: outputPathOption,
    columns: columnsSchema.optional(),
    geometry: z
      .boolean()
      .optional()
      .describe('Without `columns`: end the default columns with `geometry` (WKT) and bbox_xmin, bbox_ymin, bbox_xmax, bbox_ymax, so GeoPandas and QGIS map the CSV'),
    include_failed: z
      .boolean()
      .default(true)
      .describe('Write failed entries too, with a `failed` column (stage: message); false leaves them out'),
    mode: outputModeOption,
    escape_formulas: z
      .boolean()
      .default(true)
      .describe(
        "Put a ' before text cells beginning with =, +, -, @, a tab or a CR, so a spreadsheet never runs them as formulas (numbers, such as -12.5, are never changed); false writes them as they are",
      ),
  })
  .strict()
  .refine((options) => !(options.geometry === true && options.columns), {
    path: ['geometry'],
    message: 'geometry: true adds to the default columns; with `columns`, name geometry and bbox among them instead',
  })
  .describe('Write one CSV row per entry');

const example = `csv:
  path: out/kaguya-tc.csv
  columns: [id, datetime, { incidence: incidence_angle }, gsd, assets.image.href]
`;

/** Failed entries held back while waiting for an entry that did not fail to decide the default columns. */
const MAX_HELD = 1000;

/**
 * `csv`: one row per entry, streamed to a temporary file renamed to `path` at the end of the run.
 *
 * ```yaml
 * csv:
 *   path: out/kaguya-tc.csv
 *   columns: [id, datetime, { incidence: incidence_angle }, gsd, assets.image.href]
 * ```
 *
 * Without `columns`: id, collection, datetime, the scalar fields (`select` names) and an `asset:<key>`
 * href column per asset, all decided by the first entry that did not fail (src/catalog/columns.ts);
 * `geometry: true` adds the GIS columns to them.
 *
 * Geometry: a column `geometry` is the footprint as WKT (`POLYGON ((…))`, `Z` for 3D, empty for a null
 * geometry), `bbox` four number columns `bbox_xmin`, `bbox_ymin`, `bbox_xmax`, `bbox_ymax` (names follow a
 * mapping: `{ footprint: geometry }`). GeoPandas reads the file as a GeoDataFrame with
 * `gpd.read_file(path, GEOM_POSSIBLE_NAMES="geometry", KEEP_GEOM_COLUMNS="NO")` (or `GeoSeries.from_wkt` on
 * the column), QGIS with Layer › Add Delimited Text Layer › Well known text (WKT), field `geometry`. A
 * geometry that is not GeoJSON fails its entry (ERR_GEOMETRY), the cell left empty.
 * With `include_failed` (the default) a last column `failed` says what failed, by stage. Values: numbers
 * as-is, null empty, arrays and objects as compact JSON. A run that aborts leaves an earlier file in place.
 * `path: -` writes to standard output (logs stay on stderr); a path that is an existing FIFO, device or a
 * link to one (`/dev/stdout`) is written in place, never replaced by a regular file.
 *
 * Formula injection: with `escape_formulas` (the default) a text cell beginning with `=`, `+`, `-`, `@`, a
 * tab or a CR (or their full-width forms) is written with a `'` in front (`=HYPERLINK(...)` becomes
 * `'=HYPERLINK(...)`), as OWASP advises for CSV files opened in spreadsheets. Numbers are never escaped: a
 * longitude of -12.5 (a JSON or PVL number) stays `-12.5`; only text that begins with `-` (an id, or a
 * number an API sent as a string, `"-12.5"`) becomes `'-12.5`. `escape_formulas: false` writes every cell
 * as it is.
 *
 * A value that cannot be written as text (nested too deep for JSON) fails that entry (ERR_CSV_CELL, named by
 * its column) with the cell left empty; the row and every other row are written.
 */
export const csv: OutputStage<typeof csvOptions> = {
  kind: 'output',
  name: 'csv',
  writesFiles: ['path'],
  summary: 'Write one CSV row per entry (id, collection, datetime, selected fields, asset hrefs)',
  example,
  schema: csvOptions,
  async create(options, ctx) {
    const { csvCell, CsvFileWriter } = await import('../src/catalog/csv-writer.js'); // csv-stringify: loaded to run
    const path = outputTarget(options.path); // `-`: standard output
    const writer = new CsvFileWriter(path, { escapeFormulas: options.escape_formulas });
    const includeFailed = options.include_failed;
    const explicit = options.columns ? columnsFromSpecs(options.columns) : undefined;
    let columns: Column[] | undefined;
    const held: Entry[] = [];
    let rows = 0;

    const startWith = async (sample: Entry | undefined): Promise<void> => {
      const defaults = () => [...defaultColumns(sample), ...(options.geometry === true ? GIS_COLUMNS : [])];
      columns = [...(explicit ?? defaults()), ...(includeFailed ? [FAILED_COLUMN] : [])];
      await writer.writeRow(columns.map((c) => c.name));
      for (const entry of held.splice(0)) await writeEntry(entry);
    };
    /** Each cell on its own: one that cannot be made text fails the entry, never the run. */
    const cellsOf = (entry: Entry): Array<string | number> => {
      let current = entry;
      const cells = columns!.map((column) => {
        if (column === FAILED_COLUMN) return '';
        try {
          return csvCell(column.read(current));
        } catch (err) {
          if (err instanceof EntryError) {
            current = ctx.fail(current, err); // a value the column cannot read (a geometry that is no GeoJSON)
            return '';
          }
          // JSON.stringify's RangeError (too deep, too long): the value's fault, not stacflow's.
          if (!(err instanceof RangeError)) throw err;
          current = ctx.fail(current, new EntryError('ERR_CSV_CELL', `column ${column.name}: the value cannot be written as text (${errorMessage(err)}); the cell is left empty`));
          return '';
        }
      });
      const failedAt = columns!.indexOf(FAILED_COLUMN);
      if (failedAt >= 0) cells[failedAt] = csvCell(FAILED_COLUMN.read(current));
      return cells;
    };
    const writeEntry = async (entry: Entry): Promise<void> => {
      await writer.writeRow(cellsOf(entry));
      rows += 1;
    };

    return {
      mode: options.mode,
      ...fileTarget(path),
      async write(entry) {
        if (leavesOut(entry, includeFailed, ctx)) return;
        if (hasFailed(entry) && !columns && !explicit && held.length < MAX_HELD) {
          held.push(entry);
          return;
        }
        if (!columns) await startWith(entry);
        await writeEntry(entry);
      },
      async finish() {
        if (!columns) await startWith(held[0]);
        await writer.finish();
        ctx.log.info({ path, rows }, `${ctx.label}: wrote ${rows} rows to ${path}`);
        return { path, rows };
      },
      abort: () => writer.abort(),
    };
  },
};
