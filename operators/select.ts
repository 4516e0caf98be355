import { z } from 'zod';
import { withFields } from '../src/entry.js';
import type { StepStage, SyncStep } from '../src/engine/stage.js';
import { perEntrySync } from '../src/engine/step.js';
import { compileFieldPath, fieldPathSchema } from '../src/fields/field-path.js';
import { FieldWatch, warnNeverPresent } from '../src/fields/presence.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const selectOptions = z
  .record(
    z.string().regex(IDENTIFIER, { message: 'a selected name must be an identifier (letters, digits, _; not starting with a digit)' }),
    fieldPathSchema.describe('Field path whose value the name takes (null when missing)'),
  )
  .refine((names) => Object.keys(names).length > 0, { message: 'select needs at least one `name: path`' })
  .describe('Names to add to each entry, each read from a field path: `name: path`');

const example = `select:
  incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle
  gsd: gsd
  image_href: assets.image.href
`;

/**
 * `select`: adds named values to each entry, read by field paths; later steps (`filter`) and outputs
 * (`csv` columns) use the names. A missing value becomes null. Pure and synchronous.
 *
 * ```yaml
 * select:
 *   incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle
 *   gsd: gsd
 *   image_href: assets.image.href
 * ```
 *
 * Entries that failed earlier pass through untouched. A value that cannot be read (a label document whose
 * query throws) fails that entry in this stage, and the run goes on. A path no entry had in the whole run (a
 * misspelled key) is a warning at the end, in the log and the report, with the closest name that existed.
 */
export const select: StepStage<typeof selectOptions, SyncStep> = {
  kind: 'step',
  name: 'select',
  summary: 'Add named values read by field paths (label keys, properties, asset hrefs) to each entry',
  example,
  schema: selectOptions,
  // What it does for an entry stays in the entry: a retried item that passed it does not repeat it.
  keepsWorkInEntry: true,
  create(options, ctx) {
    const readers = Object.entries(options).map(([name, path]) => [name, compileFieldPath(path)] as const);
    const watch = new FieldWatch(Object.values(options));
    return perEntrySync(
      (entry) => {
        watch.see(entry);
        return withFields(entry, Object.fromEntries(readers.map(([name, read]) => [name, read(entry) ?? null])));
      },
      { end: () => warnNeverPresent(watch, ctx) },
    );
  },
};
