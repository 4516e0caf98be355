import type { Logger } from 'pino';
import type { LoadedPipeline } from '../../engine/pipeline.js';
import { DEFAULT_LIMITS } from '../../http/limits.js';
import { openStacApi } from '../../stac/client.js';
import { assertConformance, classUriOf } from '../../stac/conformance.js';
import { firstRequest } from '../../stac/item-search.js';
import { searchPages } from '../../stac/paging.js';
import { decideSearchFilter } from '../../stac/search-filter.js';
import { planSearch, type SearchOptionsInput } from '../../stac/search-params.js';
import { terminalText } from '../../util/terminal-text.js';
import { EXIT } from '../exit-codes.js';
import { apiTransport } from '../../stac/api-transport.js';

/**
 * `stacflow search --matched`: how many items the search matches in each collection (`-c`), or in all when
 * none is named, as the API says it: one request per collection with `limit=1`, reading the page's
 * `numberMatched` (STAC API) or `context.matched` (the older context extension). Printed one line each on
 * standard output, as pystac-client does (`57 items matched`), with the collection; a total when there are
 * several. An API that says neither: `? items matched in C`, and why on stderr (exit 0: nothing failed).
 * The search is checked as a run checks it: conformance refused before any request, the filter sent in the
 * language the API reads.
 */
export async function printMatched(plan: LoadedPipeline, log: Logger): Promise<number> {
  const options = plan.source.options as SearchOptionsInput;
  const perCollection = options.collections !== undefined;
  const search = planSearch({ ...options, per_collection: perCollection, limit: 1, max_items: 1 });
  const transport = apiTransport(search.api, search.headers, plan.http ?? DEFAULT_LIMITS, log);
  const api = await openStacApi(search.api, transport);
  const { check, assumed } = search.conformance;
  if (check) for (const one of search.searches) assertConformance(api.conformsTo, one.parameters, search.api, { assumed, source: api.conformanceSource });
  const declared = [...api.conformsTo, ...assumed.map(classUriOf)];

  let total = 0;
  let unknown = 0;
  for (const one of search.searches) {
    const { parameters } = decideSearchFilter(one.parameters, [], { declared, check });
    const label = one.collection ? `search of ${one.collection}` : 'search';
    let matched: number | undefined;
    for await (const page of searchPages(firstRequest(api, { ...one, parameters }), { ...transport, maxItems: 1, label })) {
      matched = page.numberMatched;
      break; // the first page says it: no other is asked for
    }
    const where = perCollection ? ` in ${one.collection ?? parameters.collections?.join(',')}` : '';
    if (matched === undefined) {
      unknown += 1;
      process.stderr.write(terminalText(`search --matched: ${search.api} gives no numberMatched (nor context.matched) for the ${label}: it does not say how many items match`) + '\n');
    } else total += matched;
    process.stdout.write(terminalText(`${matched ?? '?'} items matched${where}`) + '\n');
  }
  if (search.searches.length > 1) process.stdout.write(`${unknown > 0 ? `at least ${total}` : total} items matched in all\n`);
  return EXIT.done;
}
