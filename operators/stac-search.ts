import { z } from 'zod';
import type { SourceStage } from '../src/engine/stage.js';
import { StacParameterError } from '../src/stac/errors.js';
import { MAX_LIMIT, planSearch } from '../src/stac/search-params.js';
import { parseDuration } from '../src/http/limits.js';
import { DEFAULT_INCREMENTAL, type IncrementalSettings } from '../src/stac/incremental-window.js';

/** A YAML 1.1 timestamp arrives as a Date: read it as the instant it is. */
const asDatetimeText = (value: unknown): unknown =>
  value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.map(asDatetimeText) : value;

const stringOrList = z.union([z.string(), z.array(z.string())]);

/** A duration as the `http:` block writes them (`1h`, `5m`, `90s`; a bare number is seconds), in ms. */
const duration = (what: string, fallback: string) =>
  z
    .union([z.number(), z.string()])
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as 1h, 5m or 90s (a bare number is seconds), got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return ms;
    })
    .describe(`${what} (default ${fallback})`);

const incrementalOptions = z
  .union([
    z.literal(false),
    z
      .object({
        lookback: duration('Re-read this long before the saved cursor: items stamped `updated` before the last run but indexed after it', '1h'),
        safety_margin: duration('Leave out items updated this close to now: ingests still under way, and a server clock behind ours', '5m'),
      })
      .strict(),
  ])
  .optional()
  .describe(
    'With `state:` only: ask the API for items whose `updated` is at least the last cursor minus `lookback` and at most now minus ' +
      '`safety_margin` (when it declares the filter and sort extensions); false: search everything every run and let the state skip',
  );

export const stacSearchOptions = z
  .object({
    api: z
      .string()
      .describe('Landing page of the STAC API, with or without a trailing slash (https://stac.astrogeology.usgs.gov/api/)'),
    collections: stringOrList
      .optional()
      .describe('Collection ids to search: a list, or one id (comma-separated ids are split)'),
    per_collection: z
      .boolean()
      .default(false)
      .describe('One search per collection, one after the other, items concatenated (max_items applies to each)'),
    ids: stringOrList.optional().describe('Item ids to fetch: a list or a comma-separated string'),
    bbox: z
      .union([z.array(z.number()), z.string()])
      .optional()
      .describe('[west, south, east, north] (or 6 numbers with min/max elevation) in degrees; not with intersects'),
    intersects: z
      .union([z.record(z.string(), z.unknown()), z.string()])
      .optional()
      .describe('A GeoJSON geometry object (a Feature gives its geometry); not with bbox'),
    datetime: z
      .preprocess(asDatetimeText, z.union([z.string(), z.array(z.union([z.string(), z.null()]))]))
      .optional()
      .describe(
        'An instant or interval "start/end" (open end: ".." or empty), or a [start, end] list (null: open); ' +
          'dates cover their whole year/month/day (2017-06 → 2017-06-01T00:00:00Z/2017-06-30T23:59:59Z); no offset means UTC',
      ),
    query: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Query extension: { property: { operator: value } }, e.g. { gsd: { lte: 10 } }'),
    filter: z
      .union([z.record(z.string(), z.unknown()), z.string()])
      .optional()
      .describe('Filter extension: CQL2 JSON (an object) or CQL2 text (a string), checked at load; sent in the language the API declares (text becomes JSON for stac-server)'),
    filter_lang: z
      .enum(['cql2-json', 'cql2-text'])
      .optional()
      .describe('Language of filter; default cql2-json for an object, cql2-text for a string'),
    sortby: z
      .union([
        z.string(),
        z.array(
          z.union([
            z.string(),
            z.object({ field: z.string(), direction: z.enum(['asc', 'desc']).default('asc') }).strict(),
          ]),
        ),
      ])
      .optional()
      .describe('Sort extension: "-properties.datetime,+id", or a list of { field, direction: asc|desc }'),
    fields: z
      .union([
        z.string(),
        z.array(z.string()),
        z.object({ include: z.array(z.string()).optional(), exclude: z.array(z.string()).optional() }).strict(),
      ])
      .optional()
      .describe('Fields extension: "id,-geometry" (prefix - excludes), a list of such, or { include, exclude }'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_LIMIT)
      .optional()
      .describe(`Items per page asked of the API (1-${MAX_LIMIT}); default: the API's own (as pystac-client); cut to max_items`),
    max_items: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Stop each search after this many items (no further page is requested); default: all matching items'),
    method: z
      .enum(['GET', 'POST'])
      .optional()
      .describe('HTTP method of the search; default POST when the landing page advertises a POST search link, else GET'),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe("Extra headers (e.g. authorization) sent with every request to the api's origin (scheme, host, port) and to no other: a next link elsewhere, or to http after https, goes without them"),
    conforms_to: z
      .array(z.string().regex(/^(https?:\/\/\S+|[a-z][a-z0-9-]*(#[a-z0-9-]+)?)$/, { message: 'a conformance class name (item-search#filter) or URI' }))
      .optional()
      .describe('Conformance classes the API supports without declaring them (pystac-client add_conforms_to): names such as item-search#filter, or URIs'),
    check_conformance: z
      .boolean()
      .default(true)
      .describe('false: send the search as written without checking what the API declares (one warning); for APIs that declare too little'),
    incremental: incrementalOptions,
  })
  .strict()
  .superRefine((options, ctx) => {
    // The same normalisation create() runs, so every bad value is reported at load, with its location.
    try {
      planSearch(options);
    } catch (err) {
      if (!(err instanceof StacParameterError)) throw err;
      const params = err.textAt ? { textAt: err.textAt } : {};
      ctx.addIssue({ code: 'custom', path: [err.parameter], message: err.message.replace(`${err.parameter}: `, ''), params });
    }
  })
  .describe('Search a STAC API (item search), page by page on demand');

export type StacSearchOptions = z.output<typeof stacSearchOptions>;

const example = `stac_search:
  api: "\${STAC_API_URL:-https://stac.astrogeology.usgs.gov/api/}"
  collections: [kaguya_terrain_camera_stereoscopic_uncontrolled_observations,
                kaguya_terrain_camera_spsupport_uncontrolled_observations,
                kaguya_terrain_camera_monoscopic_uncontrolled_observations]
  per_collection: true
  bbox: [3, 4, 5, 6]
  datetime: 2007/..
  max_items: 200
`;

/**
 * `stac_search`: the items of a STAC API item search, as pystac-client's `Client.search(...).items()`
 * finds them, one entry per item.
 *
 * ```yaml
 * stac_search:
 *   api: "${STAC_API_URL:-https://stac.astrogeology.usgs.gov/api/}"
 *   collections: [kaguya_terrain_camera_stereoscopic_uncontrolled_observations,
 *                 kaguya_terrain_camera_spsupport_uncontrolled_observations,
 *                 kaguya_terrain_camera_monoscopic_uncontrolled_observations]
 *   per_collection: true
 *   bbox: [3, 4, 5, 6]
 *   datetime: 2007/..
 *   max_items: 200
 * ```
 *
 * Options are normalised once at load (src/stac/search-params.ts: bbox ranges, datetime to RFC 3339,
 * sortby/fields/filter shapes). At run time the landing page is read first, with its `conformsTo` (or
 * `/conformance`); an option the API does not declare (`filter` without `item-search#filter`, `sortby`,
 * `fields`, `query`; or no item search at all) ends the run before any search, naming the option and
 * the class. APIs declare less than they support (STAC API 0.9 has no conformance classes at all; but Earth
 * Search v1, which does not declare `item-search#filter`, does ignore a filter, as its recorded answers show):
 * `conforms_to: [item-search#filter]` adds the classes the API forgot, `check_conformance: false` sends the search unchecked with one warning (pystac-client's
 * escape hatches), and a refusal names both. `filter` is parsed at load (a mistake is said at its line and
 * column) and sent in the CQL2 language the API declares: USGS's stac-server reads cql2-json only, so text is
 * converted (pystac-client 0.9 does the same). A `filter` step right after the search offers its condition:
 * it goes with the search when the API can evaluate it with the same meaning (src/stac/search-filter.ts),
 * and the log says which conditions went and why others stay local. Where the API's `/queryables` is closed, a
 * filter property it does not list ends the run before any search, with did-you-mean (src/stac/queryables.ts).
 * Pages follow the API's `next` links (GET or POST, `body`, `merge`, `headers`); the next page
 * is requested while the current one is processed, never more than one ahead, and items are emitted only
 * when the pipeline has room (src/stac/paged-source.ts). Every request goes through the run's one retry loop
 * (src/http/request.ts) with the `http:` limits (`ctx.limits`): 408/429/5xx (Retry-After honoured), connection
 * errors, deadlines, and bodies cut short or stalled are retried; a page over `http.max_page_bytes` is refused.
 * A failure that outlasts the retries ends the run with a StacApiError naming the request, what happened
 * (the status and the API's own message, `body cut short at N of M bytes`, `body stalled`, ...) and the limit.
 * `headers` go to the api's origin only (src/stac/request-headers.ts); a log line says when they were withheld.
 *
 * `limit` is sent only when set: like pystac-client ≥ 0.7, the API's default page size applies otherwise
 * (stac-server: 10). Items are never modified. Counted under the stage label: `requests`, `retries`,
 * `pages`, `items:<collection>`, `expected` (from `numberMatched`) and one `out` per item.
 *
 * Incremental runs (a pipeline with `state:`; src/stac/incremental-window.ts), as dlt's `incremental(lag=...)`
 * and Airbyte's lookback window: when the API declares the filter extension with Basic CQL2 and a CQL2
 * language, and the sort extension (stac-server does), every search also asks for
 * `updated >= cursor − lookback AND updated <= now − safety_margin` (no lower bound on a first run), and-ed
 * with its own filter and any pushed one, sorted `+properties.updated,+id`. A `sortby` of your own is kept (one
 * log line says so): the window alone decides which items come. Defaults: `lookback: 1h`, `safety_margin: 5m`
 * (durations as in `http:`); a larger value only re-reads items, which the state skips.
 *
 * ```yaml
 * stac_search:
 *   api: "${STAC_API_URL:-https://stac.astrogeology.usgs.gov/api/}"
 *   collections: [kaguya_terrain_camera_monoscopic_uncontrolled_observations]
 *   incremental: { lookback: 2h, safety_margin: 10m }
 * ```
 *
 * The next cursor proposed is the window's upper bound (now − safety_margin), saved by the engine only when
 * the run completes; it is held (warning W_CURSOR_HELD) when `max_items` stopped a search before its end. An
 * API that cannot filter or sort on `updated` (or `check_conformance: false`) gets the full search, one info
 * line says the state does the skipping, and the cursor still moves: a completed full search read every item
 * up to then. `incremental: false` runs the full search every time and leaves the cursor as it is. Within a
 * run, items are emitted once per (collection, id, updated): a page shifted by ingests may repeat one
 * (`duplicates`). Counters: `cursor_windows` or `cursor_full_searches`, `duplicates`; info lines give the
 * window asked and the next cursor. Without `state:` none of this applies.
 */
export const stacSearch: SourceStage<typeof stacSearchOptions> = {
  kind: 'source',
  name: 'stac_search',
  summary: 'Search a STAC API (GET or POST, next links, per collection) and emit one entry per item',
  example,
  schema: stacSearchOptions,
  async create(options, ctx, offers) {
    const { itemSearchSource } = await import('../src/stac/item-search.js'); // the HTTP client: only to run
    return itemSearchSource(planSearch(options), ctx, offers, incrementalSettings(options.incremental));
  },
};

/** The `incremental:` option as settings: absent, the defaults (lookback 1 h, safety margin 5 min). */
function incrementalSettings(option: StacSearchOptions['incremental']): IncrementalSettings {
  if (option === false) return { ...DEFAULT_INCREMENTAL, enabled: false };
  return option === undefined ? DEFAULT_INCREMENTAL : { enabled: true, lookbackMs: option.lookback, safetyMarginMs: option.safety_margin };
}
