import { z } from 'zod';
import type { StepStage, SyncStep } from '../src/engine/stage.js';
import { perEntrySync } from '../src/engine/step.js';
import { firstCustomFunction, propertiesOf, type Cql2Expr } from '../src/fields/cql2/ast.js';
import { Cql2Error } from '../src/fields/cql2/errors.js';
import { parseCql2Json } from '../src/fields/cql2/parse-json.js';
import { parseCql2Text } from '../src/fields/cql2/parse-text.js';
import { toCql2Json } from '../src/fields/cql2/print.js';

const cql2Text = z.string().describe("CQL2 text, e.g. \"incidence_angle < 80 AND collection = 'x'\" (OGC 21-065r2: AND/OR/NOT, BETWEEN, IN, LIKE, IS NULL, CASEI, ACCENTI, arithmetic, DATE/TIMESTAMP/INTERVAL and T_*, S_*, A_* functions)");
const cql2Json = z.looseObject({ op: z.string() }).describe('CQL2 JSON, e.g. { op: "<", args: [{ property: incidence_angle }, 80] }');
const expression = z.union([cql2Text, cql2Json]);

export const filterOptions = z
  .union([
    expression,
    z
      .object({
        where: expression,
        keep_failed: z.boolean().default(true).describe('Pass on entries that failed earlier (so reports and catalogs can list them)'),
        pushdown: z
          .boolean()
          .default(true)
          .describe('Right after stac_search: also send the condition with the search when the API can evaluate it (fewer pages; every entry is still tested)'),
      })
      .strict(),
  ])
  .superRefine((options, ctx) => {
    // Parsed at load, so a mistake is reported at its place in the pipeline file (the text's line and column).
    const { written, inOptions } = unpack(options);
    try {
      const custom = firstCustomFunction(parseExpression(written));
      if (custom !== undefined) {
        ctx.addIssue({ code: 'custom', path: inOptions ? ['where'] : [], message: `unknown function ${custom}(): stacflow evaluates CQL2's own (CASEI, ACCENTI, S_*, T_*, A_*, arithmetic)` });
      }
    } catch (err) {
      if (!(err instanceof Cql2Error)) throw err;
      const path = [...(inOptions ? ['where'] : []), ...jsonPathSegments(err.jsonPath)];
      const at = err.line > 0 ? ` (CQL2 ${err.line}:${err.column})` : '';
      ctx.addIssue({ code: 'custom', path, message: `${err.reason}${at}`, params: err.line > 0 ? { textAt: { line: err.line, column: err.column } } : {} });
    }
  })
  .describe('A CQL2 filter (text or JSON), or { where, keep_failed, pushdown }');

const example = `filter: "incidence_angle < 80 AND gsd <= 10"
`;

/**
 * `filter`: keeps the entries for which a CQL2 expression (OGC 21-065r2, text or JSON) is true; the others are
 * dropped (and counted). Property names are field paths (src/fields/field-path.ts): item properties, `id`,
 * `collection`, `geometry`, `select`ed names and label keys (`caminfo.Caminfo.Geometry.IncidenceAngle`); quote
 * names with `:` in text (`"view:sun_azimuth" > 10`). A missing or null value makes a comparison false (`IS NULL`
 * tests it); values of different types do not compare, except a string against DATE/TIMESTAMP, read as an
 * instant. Spatial functions take WKT, BBOX or GeoJSON literals.
 *
 * ```yaml
 * filter: "incidence_angle < 80 AND gsd <= 10"
 * # or
 * filter: { where: "datetime >= TIMESTAMP('2009-06-07T14:00:00Z')", keep_failed: false }
 * # or CQL2 JSON
 * filter: { op: "<", args: [{ property: incidence_angle }, 80] }
 * ```
 *
 * Placed right after `stac_search` (before any step that changes entries), the condition is also sent with the
 * search when the API can evaluate it with the same meaning (src/stac/search-filter.ts says when): fewer pages
 * are read, and every entry is still tested here. `pushdown: false` keeps it local.
 *
 * Entries that failed earlier are not tested: they pass on (`keep_failed: true`, the default) or are dropped.
 * The expression is parsed at load: a mistake is reported at its line and column in the pipeline file. A path
 * no entry had in the whole run (`incidence_angel < 80` drops everything) is a warning at the end, in the log and
 * the report, with the closest name that existed.
 */
export const filter: StepStage<typeof filterOptions, SyncStep> = {
  kind: 'step',
  name: 'filter',
  summary: 'Keep entries for which a CQL2 filter (text or JSON) holds: incidence_angle < 80 AND collection = \'x\'',
  example,
  schema: filterOptions,
  // What it does for an entry stays in the entry: a retried item that passed it does not repeat it.
  keepsWorkInEntry: true,
  offer(options) {
    const { written, pushdown } = unpack(options);
    if (!pushdown) return undefined;
    return typeof written === 'string' ? (toCql2Json(parseExpression(written)) as Record<string, unknown>) : written;
  },
  async create(options, ctx) {
    const { written, keepFailed } = unpack(options);
    // The evaluator (and its spatial library) and the field watch: loaded to run, not to validate.
    const [{ compileCql2 }, { FieldWatch, warnNeverPresent }] = await Promise.all([
      import('../src/fields/cql2/compile.js'),
      import('../src/fields/presence.js'),
    ]);
    const ast = parseExpression(written, ctx.label);
    const matches = compileCql2(ast, ctx.label);
    const watch = new FieldWatch(propertiesOf(ast));
    const shown = typeof written === 'string' ? written : JSON.stringify(written);
    // A label document whose query throws fails the entry in this stage (the engine records it).
    return perEntrySync(
      (entry) => {
        watch.see(entry);
        return matches(entry) ? entry : ctx.drop(entry, `not ${shown}`);
      },
      { failedEntries: keepFailed ? 'pass' : 'drop', end: () => warnNeverPresent(watch, ctx) },
    );
  },
};

/** The expression as written (text or CQL2 JSON), whether it sits in `{ where, ... }`, and its switches. */
function unpack(options: z.output<typeof expression> | { where: z.output<typeof expression>; keep_failed?: boolean; pushdown?: boolean }) {
  const inOptions = typeof options === 'object' && 'where' in options;
  const written = (inOptions ? options.where : options) as string | Record<string, unknown>;
  return { written, inOptions, keepFailed: inOptions ? options.keep_failed !== false : true, pushdown: inOptions ? options.pushdown !== false : true };
}

function parseExpression(written: string | Record<string, unknown>, where?: string): Cql2Expr {
  return typeof written === 'string' ? parseCql2Text(written, where) : parseCql2Json(written, where);
}

/** `args[1].args[0]` → ['args', 1, 'args', 0]: where in the YAML mapping a CQL2 JSON mistake is. */
function jsonPathSegments(jsonPath: string | undefined): Array<string | number> {
  if (!jsonPath) return [];
  return [...jsonPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}
