import { operation, propertiesOf, renameProperties, type Cql2Expr } from '../fields/cql2/ast.js';
import { CQL2_CLASS_PREFIX, cql2ClassesOf } from '../fields/cql2/classes.js';
import { parseCql2Json } from '../fields/cql2/parse-json.js';
import { parseCql2Text } from '../fields/cql2/parse-text.js';
import { toCql2Json, toCql2Text } from '../fields/cql2/print.js';
import type { FilterOffer } from '../engine/stage.js';
import { declares } from './conformance.js';
import type { FilterLang, SearchParameters } from './search-params.js';

/**
 * The `filter` a search sends, decided once the API's conformance classes are known: the stage's own
 * filter, in the language the API reads, and-ed with the conditions filter steps offer (the pushdown).
 *
 * Language: USGS runs stac-server, which reads only cql2-json (GET too, JSON in the query string), so a
 * text filter is converted to CQL2 JSON on the client when the API declares cql2-json and not cql2-text
 * (pystac-client 0.9 does the same), and JSON to text in the opposite case. An API that declares no CQL2
 * language gets the filter as written; a pushed filter alone goes as CQL2 JSON.
 *
 * Pushdown: a filter step placed right after the search offers its expression. It goes to the server only
 * when the meaning is certain to be the same: the API declares the filter extension (or `conforms_to` adds
 * it), every CQL2 class the expression needs (basic-cql2 is implied by the extension when the API lists no
 * CQL2 class), and every name is an item property, `id`, `collection`, `geometry` or `datetime`
 * (`properties.gsd` is sent as `gsd`). The filter step still tests every entry: the pushdown only spares
 * pages, it cannot change what the run keeps.
 */

export interface FilterDecision {
  readonly parameters: SearchParameters;
  /** The offers sent with the search. */
  readonly pushed: readonly FilterOffer[];
  /** The offers kept local, each with why. */
  readonly local: ReadonlyArray<{ readonly offer: FilterOffer; readonly reason: string }>;
  /** A conversion of the stage's own filter (`converted CQL2 text to cql2-json: ...`), for the log. */
  readonly converted?: string;
}

interface DecideOptions {
  /** The API's classes with the pipeline's `conforms_to`. */
  readonly declared: readonly string[];
  /** false (`check_conformance: false`): nothing is converted or pushed, the search goes as written. */
  readonly check: boolean;
  /**
   * Conditions (CQL2 JSON, server names) every search sends, and-ed after the own filter and the pushed ones:
   * the incremental window (incremental-window.ts), which the caller sends only to an API it knows evaluates it.
   */
  readonly always?: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/** Item members a server filters on by these names; other names are looked up in properties. */
const ITEM_NAMES = new Set(['id', 'collection', 'geometry']);
/** Item members no filter extension evaluates (and `properties` itself): a filter naming them stays local. */
const NOT_QUERYABLE = new Set(['bbox', 'assets', 'links', 'properties', 'type', 'stac_version', 'stac_extensions']);
/** A name that is one key: no path (`assets.image.href`, `a[0]`, `x@units`) a server could not read. */
const PLAIN_NAME = /^[^.[\]@\s]+$/;

export function decideSearchFilter(parameters: SearchParameters, offers: readonly FilterOffer[], options: DecideOptions): FilterDecision {
  if (!options.check) {
    return { parameters, pushed: [], local: offers.map((offer) => ({ offer, reason: 'check_conformance is false, so stacflow does not know what the API evaluates' })) };
  }
  const pushed: Array<{ offer: FilterOffer; expr: Cql2Expr }> = [];
  const local: Array<{ offer: FilterOffer; reason: string }> = [];
  for (const offer of offers) {
    const expr = parseCql2Json(offer.cql2, offer.from);
    const reason = whyLocal(expr, options.declared);
    if (reason === undefined) pushed.push({ offer, expr: renameProperties(expr, serverName) });
    else local.push({ offer, reason });
  }

  const own = parameters.filter === undefined ? undefined : ownExpression(parameters.filter);
  const asked: FilterLang | undefined = parameters['filter-lang'];
  const lang = languageFor(options.declared, asked ?? 'cql2-json');
  const always = (options.always ?? []).map((cql2) => parseCql2Json(cql2, 'incremental window'));
  if (pushed.length === 0 && always.length === 0 && (own === undefined || lang === asked)) return { parameters, pushed: [], local };

  const parts = [...(own ? [own] : []), ...pushed.map((p) => p.expr), ...always];
  const combined = parts.length === 1 ? parts[0] : operation('and', parts);
  const filter = lang === 'cql2-json' ? (toCql2Json(combined) as Record<string, unknown>) : toCql2Text(combined);
  const converted = own !== undefined && lang !== asked ? `the API reads ${lang} only: the filter is sent as ${lang === 'cql2-json' ? 'CQL2 JSON' : 'CQL2 text'}` : undefined;
  return {
    parameters: { ...parameters, filter, 'filter-lang': lang },
    pushed: pushed.map((p) => p.offer),
    local,
    ...(converted ? { converted } : {}),
  };
}

/** Why an offered expression stays local, or undefined when the API can evaluate it with the same meaning. */
function whyLocal(expr: Cql2Expr, declared: readonly string[]): string | undefined {
  if (!declares(declared, 'item-search#filter')) return 'the API does not declare the filter extension (item-search#filter)';
  const names = propertiesOf(expr).filter((name) => !isItemProperty(name));
  if (names.length > 0) return `${names.map((n) => `\`${n}\``).join(', ')} ${names.length === 1 ? 'is' : 'are'} not an item property the API can filter on`;
  const cql2 = new Set(declared.filter((uri) => uri.startsWith(CQL2_CLASS_PREFIX)).map((uri) => uri.slice(CQL2_CLASS_PREFIX.length)));
  if (cql2.size === 0) cql2.add('basic-cql2'); // the filter extension requires Basic CQL2
  const missing = cql2ClassesOf(expr).filter((name) => !cql2.has(name));
  return missing.length === 0 ? undefined : `the API does not declare CQL2 class${missing.length === 1 ? '' : 'es'} ${missing.join(', ')}`;
}

/** A bare name (`gsd`, `eo:cloud_cover`, `id`), or `properties.<name>` unless it shadows an item member. */
function isItemProperty(name: string): boolean {
  const inProperties = name.startsWith('properties.');
  const key = inProperties ? name.slice('properties.'.length) : name;
  return PLAIN_NAME.test(key) && !NOT_QUERYABLE.has(key) && !(inProperties && ITEM_NAMES.has(key));
}

/** The name a server knows: `properties.gsd` → `gsd`. */
const serverName = (name: string): string => (name.startsWith('properties.') ? name.slice('properties.'.length) : name);

/** The stage's own filter as a tree (formatFilter made a JSON string an object: a string is text). */
const ownExpression = (filter: NonNullable<SearchParameters['filter']>): Cql2Expr =>
  typeof filter === 'string' ? parseCql2Text(filter, 'stac_search.filter') : parseCql2Json(filter, 'stac_search.filter');

/** The language to send: the one asked when the API reads it or declares no language, else the one it reads. */
function languageFor(declared: readonly string[], asked: FilterLang): FilterLang {
  const reads = (lang: FilterLang) => declared.includes(`${CQL2_CLASS_PREFIX}${lang}`);
  if (reads(asked) || (!reads('cql2-json') && !reads('cql2-text'))) return asked;
  return asked === 'cql2-json' ? 'cql2-text' : 'cql2-json';
}
