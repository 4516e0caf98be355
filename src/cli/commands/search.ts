import type { Argv, CommandModule } from 'yargs';

/** The flags of `stacflow search`, as yargs gives them (lists may also hold comma-separated values). */
export interface SearchArgs {
  /** Undefined only when a list flag took it (`--bbox 3 4 5 6 URL`): search-flags.ts takes it back. */
  api?: string;
  collections?: string[];
  ids?: string[];
  bbox?: string[];
  intersects?: string;
  datetime?: string;
  query?: string[];
  filter?: string;
  filterLang?: 'cql2-json' | 'cql2-text';
  sortby?: string[];
  fields?: string[];
  limit?: number;
  maxItems?: number;
  method?: 'GET' | 'POST';
  header?: string[];
  conformsTo?: string[];
  checkConformance?: boolean;
  matched?: boolean;
  save?: string;
  report?: string;
  verbose?: boolean;
  quiet?: boolean;
}

/**
 * The search flags mean what pystac-client's `stac-client search` flags mean (its cli.py); lists take several
 * values (`-c a b`) or commas (`-c a,b`). A value starting with `-` goes after `=`: `--sortby=-datetime`.
 */
function searchOptions<T>(yargs: Argv<T>): Argv<T & SearchArgs> {
  return yargs
    .usage('$0 search <api> [flags]\n\nSearch a STAC API and print the items as NDJSON (pystac-client\'s stac-client search flags).')
    .positional('api', { type: 'string', describe: 'landing page of the STAC API (https://stac.astrogeology.usgs.gov/api/)' })
    .option('collections', { alias: 'c', type: 'array', string: true, describe: 'one or more collection ids' })
    .option('ids', { type: 'array', string: true, describe: 'one or more item ids' })
    .option('bbox', { type: 'array', string: true, describe: 'west south east north, in degrees (4 numbers, or 6 with elevations; or W,S,E,N)' })
    .option('intersects', { type: 'string', describe: 'a GeoJSON geometry or Feature: a file, or JSON text (a FeatureCollection gives its first feature)' })
    .option('datetime', { type: 'string', describe: 'an instant or an interval A/B (open end ..): 2007-11-01/2009-06-10, 2008-06, 2008/..' })
    .option('query', { type: 'array', string: true, describe: 'query extension: KEY OP VALUE (>=, <=, =, <>, >, <; gsd<=10) or JSON' })
    .option('filter', { type: 'string', describe: 'filter extension: CQL2 text, or CQL2 JSON (starting with {)' })
    .option('filter-lang', { choices: ['cql2-json', 'cql2-text'] as const, describe: 'language of --filter (default: JSON when it starts with {, else text)' })
    .option('sortby', { type: 'array', string: true, describe: 'sort extension: fields, - for descending (--sortby=-properties.datetime id)' })
    .option('fields', { type: 'array', string: true, describe: 'fields extension: fields to include, - to exclude (--fields=-geometry)' })
    .option('limit', { type: 'number', describe: "items per page asked of the API (default: the API's own)" })
    .option('max-items', { type: 'number', describe: 'stop after this many items' })
    .option('method', { choices: ['GET', 'POST'] as const, describe: 'HTTP method of the search (default: POST when the API advertises it)' })
    .option('header', { alias: 'headers', type: 'array', string: true, describe: "extra request header KEY=VALUE (repeatable), sent to the API's origin only" })
    .option('conforms-to', { type: 'array', string: true, describe: 'conformance classes the API supports without declaring them (item-search#filter)' })
    .option('check-conformance', { type: 'boolean', default: true, describe: 'refuse a parameter the API does not declare (--no-check-conformance: send it anyway)' })
    .option('matched', { type: 'boolean', describe: 'print numberMatched per collection (one request each) instead of the items' })
    .option('save', { type: 'string', describe: 'write the items to FILE.ndjson, .geojson, .parquet or .csv instead of standard output' })
    .option('report', { type: 'string', describe: 'also write the JSON run report there (default: none)' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'log every page and retry' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'log errors only, no summary' })
    .conflicts('matched', 'save')
    .example('$0 search https://stac.astrogeology.usgs.gov/api/ -c kaguya_terrain_camera_monoscopic_uncontrolled_observations --bbox 3 4 5 6 --max-items 10', 'ten items as NDJSON')
    .example('$0 search API -c C1 C2 --bbox 3 4 5 6 --matched', 'how many items each collection holds there') as Argv<T & SearchArgs>;
}

/**
 * `stacflow search API ...`: an item search without a pipeline file, items to standard output as NDJSON (or
 * `--save FILE`). The search, the engine and the writers are loaded by the handler only.
 */
export const searchCommand: CommandModule<object, SearchArgs> = {
  command: 'search [api]',
  describe: 'search a STAC API (pystac-client flags) and print the items as NDJSON, or --save them, or count them (--matched)',
  builder: (yargs) => searchOptions(yargs),
  handler: async (args) => {
    const { runSearch } = await import('../search/run-search.js');
    process.exitCode = await runSearch(args);
  },
};
