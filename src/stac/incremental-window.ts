import { StacflowError } from '../errors.js';
import { CQL2_CLASS_PREFIX } from '../fields/cql2/classes.js';
import { formatDuration } from '../http/limits.js';
import { declares } from './conformance.js';
import type { SortBy } from './search-params.js';

/**
 * The `updated` cursor of an incremental `stac_search` (issue 12), as dlt's `incremental(lag=...)` and Airbyte's
 * cursor with a lookback window do it. A run asks only for items with
 *
 *     cursor − lookback ≤ updated ≤ now − safety_margin
 *
 * (no lower bound on a first run) and proposes `now − safety_margin` as the next cursor. The lookback re-reads
 * the last hour before the cursor, for ingests whose `updated` stamp was written before the previous run read
 * the catalog but that were not searchable yet (stac-server stamps, then indexes); the safety margin leaves
 * out the last minutes, still being ingested, and covers a server clock behind ours. Both only cost re-reads,
 * which the state skips: items are never lost by a larger value, only by a smaller one.
 */

/** The `incremental:` options, normalised (milliseconds). */
export interface IncrementalSettings {
  /** false (`incremental: false`): the full search every run, the cursor left as it is. */
  readonly enabled: boolean;
  readonly lookbackMs: number;
  readonly safetyMarginMs: number;
  /** The clock (tests); default Date.now. */
  readonly now?: () => number;
}

export const DEFAULT_LOOKBACK_MS = 60 * 60 * 1000;
export const DEFAULT_SAFETY_MARGIN_MS = 5 * 60 * 1000;

export const DEFAULT_INCREMENTAL: IncrementalSettings = Object.freeze({
  enabled: true, lookbackMs: DEFAULT_LOOKBACK_MS, safetyMarginMs: DEFAULT_SAFETY_MARGIN_MS,
});

/** The sort an incremental search sends: `+properties.updated,+id`, a total order that items changing mid-run leave. */
export const CURSOR_SORT: readonly SortBy[] = Object.freeze([
  Object.freeze({ field: 'properties.updated', direction: 'asc' as const }),
  Object.freeze({ field: 'id', direction: 'asc' as const }),
]);

/** What this run asks for. */
export type CursorWindow =
  /** The API filters and sorts on `updated`: every search sends `condition` (CQL2 JSON). */
  | { readonly kind: 'window'; readonly since?: string; readonly until: string; readonly condition: Readonly<Record<string, unknown>> }
  /** It cannot (`reason`): the full search runs, the state skips what is done; `until` is still the next cursor. */
  | { readonly kind: 'full'; readonly until: string; readonly reason: string };

/**
 * The window of this run, from the API's classes (with `conforms_to`), the saved cursor and the clock. The
 * window goes to the server only when its meaning is certain: the filter extension with Basic CQL2 and a CQL2
 * language declared, and the sort extension. A cursor that is not an instant ends the run (the state is wrong).
 */
export function decideCursorWindow(
  declared: readonly string[], checkConformance: boolean, settings: IncrementalSettings, cursor: string | undefined,
): CursorWindow {
  const nowMs = (settings.now ?? Date.now)();
  const until = new Date(nowMs - settings.safetyMarginMs).toISOString();
  let since: string | undefined;
  if (cursor !== undefined) {
    const cursorMs = Date.parse(cursor);
    if (!Number.isFinite(cursorMs)) {
      throw new StacflowError('ERR_STAC_CURSOR', `stac_search: the saved cursor ${JSON.stringify(cursor)} is not an instant; run once with --full-refresh to start over`, { errorClass: 'fatal' });
    }
    since = new Date(cursorMs - settings.lookbackMs).toISOString();
  }
  const reason = whyNoWindow(declared, checkConformance);
  if (reason !== undefined) return { kind: 'full', until, reason };
  const upTo = { op: '<=', args: [{ property: 'updated' }, { timestamp: until }] };
  const condition = since === undefined ? upTo : { op: 'and', args: [{ op: '>=', args: [{ property: 'updated' }, { timestamp: since }] }, upTo] };
  return { kind: 'window', ...(since === undefined ? {} : { since }), until, condition };
}

/** Why the API cannot be asked for the window, or undefined when it can. */
function whyNoWindow(declared: readonly string[], checkConformance: boolean): string | undefined {
  if (!checkConformance) return 'check_conformance is false, so stacflow does not know what it evaluates';
  if (!declares(declared, 'item-search#filter')) return 'it does not declare the filter extension (item-search#filter)';
  const cql2 = (name: string) => declared.includes(`${CQL2_CLASS_PREFIX}${name}`);
  if (!cql2('cql2-json') && !cql2('cql2-text')) return 'it declares no CQL2 language (cql2-json or cql2-text)';
  if (!cql2('basic-cql2')) return 'it does not declare Basic CQL2 (basic-cql2)';
  if (!declares(declared, 'item-search#sort')) return 'it does not declare the sort extension (item-search#sort)';
  return undefined;
}

/** `updated from A (cursor C − 1 h lookback) to B (now − 5 min safety margin)`, for the log. */
export function describeWindow(window: CursorWindow, settings: IncrementalSettings, cursor: string | undefined): string {
  const to = `${window.until} (now − ${formatDuration(settings.safetyMarginMs)} safety margin)`;
  if (cursor === undefined) return `updated up to ${to}: first run, no cursor`;
  const since = new Date(Date.parse(cursor) - settings.lookbackMs).toISOString();
  return `updated from ${since} (cursor ${cursor} − ${formatDuration(settings.lookbackMs)} lookback) to ${to}`;
}
