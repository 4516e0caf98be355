import type { CommandModule } from 'yargs';

export interface Cql2Args {
  expression: string;
  to: 'json' | 'text';
  items?: string;
}

/**
 * `stacflow cql2 EXPR`: checks a CQL2 expression (text, or JSON when it starts with `{`) and prints it as CQL2
 * JSON or text; with `--items FILE` prints the ids of the items it matches, one a line. The parser and the
 * evaluator are loaded by the handler only.
 *
 *     stacflow cql2 "eo:cloud_cover < 10 AND collection = 'x'"          # → {"op":"and","args":[...]}
 *     stacflow cql2 '{"op":"<","args":[{"property":"gsd"},10]}' --to text
 *     stacflow cql2 "incidence_angle < 80" --items out/kaguya-tc.ndjson   # → ids, one a line
 */
export const cql2Command: CommandModule<object, Cql2Args> = {
  command: 'cql2 <expression>',
  describe: 'check a CQL2 filter and print it as CQL2 JSON or text; with --items FILE, the ids of the items it matches (exit 2 on a bad filter)',
  builder: (yargs) =>
    yargs
      .positional('expression', { type: 'string', demandOption: true, describe: 'a CQL2 text expression, or CQL2 JSON (starting with {)' })
      .option('to', { choices: ['json', 'text'] as const, default: 'json' as const, describe: 'the form to print' })
      .option('items', { type: 'string', describe: 'an NDJSON file, a GeoJSON FeatureCollection or a stac-geoparquet file of items (- for stdin, not stac-geoparquet): print the ids that match' }),
  handler: async (args) => {
    const { runCql2 } = await import('../cql2-command.js');
    process.exitCode = await runCql2(args);
  },
};
