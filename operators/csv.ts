import { resolve } from 'node:path';
import { z } from 'zod';
import { hasFailed, type Entry } from '../src/entry.js';
import { columnsFromSpecs, columnsSchema, defaultColumns, FAILED_COLUMN, type Column } from '../src/catalog/columns.js';
import { CsvFileWriter } from '../src/catalog/csv-writer.js';
import type { OutputStage } from '../src/pipeline/stage.js';

export const csvOptions = z
  .object({
    path: z.string().min(1).describe('File to write (directories are created); replaced only when the run completes'),
    columns: columnsSchema.optional(),
    include_failed: z
      .boolean()
      .default(true)
      .describe('Write failed entries too, with a `failed` column (stage: message); false leaves them out'),
  })
  .strict()
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
 * href column per asset, all decided by the first entry that did not fail (src/catalog/columns.ts).
 * With `include_failed` (the default) a last column `failed` says what failed, by stage. Values: numbers
 * as-is, null empty, arrays and objects as compact JSON. A run that aborts leaves an earlier file in place.
 */
export const csv: OutputStage<typeof csvOptions> = {
  kind: 'output',
  name: 'csv',
  summary: 'Write one CSV row per entry (id, collection, datetime, selected fields, asset hrefs)',
  example,
  schema: csvOptions,
  create(options, ctx) {
    const path = resolve(options.path);
    const writer = new CsvFileWriter(path);
    const includeFailed = options.include_failed;
    const explicit = options.columns ? columnsFromSpecs(options.columns) : undefined;
    let columns: Column[] | undefined;
    const held: Entry[] = [];
    let rows = 0;

    const startWith = async (sample: Entry | undefined): Promise<void> => {
      columns = [...(explicit ?? defaultColumns(sample)), ...(includeFailed ? [FAILED_COLUMN] : [])];
      await writer.writeRow(columns.map((c) => c.name));
      for (const entry of held.splice(0)) await writeEntry(entry);
    };
    const writeEntry = async (entry: Entry): Promise<void> => {
      await writer.writeRow(columns!.map((c) => c.read(entry)));
      rows += 1;
    };

    return {
      async write(entry) {
        if (hasFailed(entry)) {
          if (!includeFailed) {
            ctx.stats.count(ctx.label, 'failed_left_out');
            return;
          }
          if (!columns && !explicit && held.length < MAX_HELD) {
            held.push(entry);
            return;
          }
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
