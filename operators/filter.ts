import { z } from 'zod';
import type { StepStage, SyncStep } from '../src/engine/stage.js';
import { perEntrySync } from '../src/engine/step.js';
import { FieldWatch, warnNeverPresent } from '../src/fields/presence.js';
import { compileSimpleFilter, parseSimpleFilter, simpleFilterSchema } from '../src/fields/simple-filter.js';

const where = simpleFilterSchema.describe(
  "Comparisons `path op literal` joined by AND; ops = != < <= > >=; literals: numbers, 'text', true, false, null, ISO date-times",
);

export const filterOptions = z
  .union([
    where,
    z
      .object({
        where,
        keep_failed: z.boolean().default(true).describe('Pass on entries that failed earlier (so reports and catalogs can list them)'),
      })
      .strict(),
  ])
  .describe('A filter expression, or { where, keep_failed }');

const example = `filter: "incidence_angle < 80 AND gsd <= 10"
`;

/**
 * `filter`: keeps the entries for which every comparison holds; the others are dropped (and counted).
 * A missing or null value never matches; a value of another type than the literal does not match.
 *
 * ```yaml
 * filter: "incidence_angle < 80 AND gsd <= 10"
 * # or
 * filter: { where: "datetime >= 2009-06-07T14:00:00Z", keep_failed: false }
 * ```
 *
 * Entries that failed earlier are not tested: they pass on (`keep_failed: true`, the default) or are
 * dropped. A path no entry had in the whole run (`incidence_angel < 80` drops everything) is a warning at the
 * end, in the log and the report, with the closest name that existed. The expression is parsed at load (src/fields/simple-filter.ts); CQL2 will replace it.
 */
export const filter: StepStage<typeof filterOptions, SyncStep> = {
  kind: 'step',
  name: 'filter',
  summary: 'Keep entries whose values satisfy comparisons joined by AND (incidence_angle < 80)',
  example,
  schema: filterOptions,
  create(options, ctx) {
    const { where: expression, keep_failed: keepFailed } = typeof options === 'string' ? { where: options, keep_failed: true } : options;
    const parsed = parseSimpleFilter(expression);
    const matches = compileSimpleFilter(parsed);
    const watch = new FieldWatch(parsed.clauses.map((clause) => clause.path.text));
    // A label document whose query throws fails the entry in this stage (the engine records it).
    return perEntrySync(
      (entry) => {
        watch.see(entry);
        return matches(entry) ? entry : ctx.drop(entry, `not ${expression}`);
      },
      { failedEntries: keepFailed ? 'pass' : 'drop', end: () => warnNeverPresent(watch, ctx) },
    );
  },
};
