import { CQL2_CLASS_PREFIX, CQL2_CLASSES } from '../fields/cql2/classes.js';
import { StacConformanceError } from './errors.js';
import type { SearchParameters } from './search-params.js';

/**
 * Which STAC API conformance classes a search needs, and whether an API declares them. Classes are
 * matched by their name after the version (`item-search#filter` in
 * `https://api.stacspec.org/v1.0.0-rc.2/item-search#filter`), so any version counts, as in
 * pystac-client's `ConformanceClasses`.
 */

/** The current URI of a class, for messages. */
export const stacClassUri = (name: string): string => `https://api.stacspec.org/v1.0.0/${name}`;

const STACSPEC = /^https?:\/\/api\.stacspec\.org\/v[^/]+\/(.+)$/;

/** `item-search#filter` for any version of the stacspec.org URI; undefined for other URIs. */
export function stacClassName(uri: string): string | undefined {
  return STACSPEC.exec(uri.trim())?.[1];
}

/** Whether `declared` holds class `name` in any version (old `item-search#filter:filter` forms count too). */
export function declares(declared: readonly string[], name: string): boolean {
  return declared.some((uri) => {
    const found = stacClassName(uri);
    return found === name || (found !== undefined && found.startsWith(`${name}:`));
  });
}

export interface ConformanceNeed {
  /** The stage option that needs the class. */
  parameter: string;
  /** Class name, e.g. `item-search#filter`; or a full URI for OGC classes. */
  name: string;
  uri: string;
}

/** The classes a search with `params` needs: item search itself, plus one per extension it uses. */
export function requiredClasses(params: SearchParameters): ConformanceNeed[] {
  const needs: ConformanceNeed[] = [need('stac_search', 'item-search')];
  if (params.query !== undefined) needs.push(need('query', 'item-search#query'));
  if (params.filter !== undefined) needs.push(need('filter', 'item-search#filter'));
  if (params.sortby !== undefined) needs.push(need('sortby', 'item-search#sort'));
  if (params.fields !== undefined) needs.push(need('fields', 'item-search#fields'));
  return needs;
}

const need = (parameter: string, name: string): ConformanceNeed => ({ parameter, name, uri: stacClassUri(name) });

/** Where an API's classes were read: its landing page, its /conformance, or nowhere (/conformance answered 404). */
export type ConformanceSource = 'landing page' | 'conformance' | 'none';

export interface ConformanceOptions {
  /**
   * Classes the pipeline says the API supports without declaring them (`conforms_to`, pystac-client's
   * `add_conforms_to`): names such as `item-search#filter`, or URIs.
   */
  readonly assumed?: readonly string[];
  readonly source?: ConformanceSource;
}

/**
 * A class as written in `conforms_to`: a CQL2 class name (`advanced-comparison-operators`) becomes its OGC URI,
 * another name its stacspec.org URI; URIs stay as they are.
 */
export const classUriOf = (written: string): string =>
  /^https?:\/\//.test(written) ? written : (CQL2_CLASSES as readonly string[]).includes(written) ? `${CQL2_CLASS_PREFIX}${written}` : stacClassUri(written);

/**
 * Refuses a search the API does not declare it can run: throws StacConformanceError (run-fatal) naming
 * the option and the missing class, and the ways out when the API forgot to declare it (`conforms_to`,
 * `check_conformance: false`). The filter's language is not refused: search-filter.ts converts it to
 * the one the API reads.
 */
export function assertConformance(declaredByApi: readonly string[], params: SearchParameters, apiUrl: string, options: ConformanceOptions = {}): void {
  const assumed = (options.assumed ?? []).map(classUriOf);
  const declared = [...declaredByApi, ...assumed];
  for (const { parameter, name, uri } of requiredClasses(params)) {
    if (declares(declared, name)) continue;
    const what =
      parameter === 'stac_search'
        ? `item search, so stac_search cannot search it`
        : `the ${name.split('#')[1]} extension of item search, so the search cannot use \`${parameter}\``;
    const notDeclared = options.source === 'none'
      ? `the API at ${apiUrl} declares no conformance classes (its landing page has no conformsTo and /conformance answered 404, as STAC API 0.9 servers do), so not ${uri}: it may not support ${what}. `
      : `the API at ${apiUrl} does not declare conformance class ${uri} (any version): it does not support ${what}. `;
    const remedy = parameter === 'stac_search' && options.source !== 'none'
      ? 'Check the api URL: it must be a STAC API landing page. '
      : parameter === 'stac_search' ? '' : `Remove \`${parameter}\` or use an API that supports it. `;
    throw new StacConformanceError(
      parameter,
      uri,
      notDeclared + remedy + `It declares: ${summarise(declaredByApi)}${assumed.length ? ` (and conforms_to: ${summarise(assumed)})` : ''}. ` +
        `If the API supports it without declaring it, add \`conforms_to: [${name}]\` to stac_search, or \`check_conformance: false\` to send the search unchecked.`,
    );
  }
}

/** The stacspec.org class names an API declares, short: `core, item-search, item-search#fields...`. */
function summarise(declared: readonly string[]): string {
  const names = declared.map((uri) => stacClassName(uri) ?? uri.replace(/^https?:\/\/www\.opengis\.net\/spec\//, ''));
  return names.length === 0 ? '(nothing)' : [...new Set(names)].join(', ');
}
