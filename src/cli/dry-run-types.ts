import type { PathSegment } from '../config/locate.js';
import type { ShardReport } from '../shard/selection.js';

/**
 * What `run-pipeline FILE --dry-run` prints: the plan of the run as the API describes it. `--json` prints this
 * object as is (snake_case keys, as the run report); dry-run-text.ts words it for people.
 */

/** An error (the run cannot go: exit 2) or a warning of the dry run. */
export interface PlanIssue {
  code: string;
  message: string;
  /** Where in the file: `p.yaml:8:7 source.stac_search.collections[1]`, or the `--set` argument. */
  at?: string;
  /** YAML path to locate (dry-run-locate.ts fills `at` from it); not printed. */
  path?: PathSegment[];
  /** A collection id to locate in `source.stac_search.collections`; not printed. */
  collection?: string;
}

export interface PlannedCollection {
  id: string;
  status: 'found' | 'unchecked' | 'unknown';
  title?: string;
  /** Asset keys of `item_assets`; null when the collection document has none (keys then not checked). */
  item_assets: string[] | null;
  suggestion?: string;
}

export interface PlannedSearch {
  /** The collections it names (none: every collection). */
  collections: string[];
  method: string;
  /** `numberMatched`; null when the API does not say. */
  matched: number | null;
  max_items: number | null;
  /** What the run would read: matched capped by max_items (null when unknown). */
  items: number | null;
  by_collection?: Array<{ collection: string; matched: number | null }>;
}

export interface PlannedStep {
  label: string;
  stage: string;
  /** What it does to the items, in words. */
  does: string;
  /** fetch_label: labels to read (at most, when a step before it may drop items). */
  labels?: number | null;
  /** download: files to fetch, at most (the steps before it may drop items). */
  files?: number | null;
  /** download: bytes where item_assets gives `file:size` for every asset; null when unknown. */
  bytes?: number | null;
  /** download: `bytes` is an upper bound (a search of several collections cut by max_items). */
  bytes_at_most?: boolean;
  /** download: asset keys whose size the API does not give. */
  size_unknown?: string[];
  /** Where it writes (download's `to`, rclone_manifest's `path`). */
  writes?: string;
  /** The items before it are what the search found (false: a step before may drop some). */
  exact: boolean;
}

export interface PlannedOutput {
  label: string;
  stage: string;
  path: string | null;
}

export interface PlannedState {
  path: string;
  exists: boolean;
  /** Items the state holds, by status (done, failed, given_up, removed...). */
  items?: Record<string, number>;
  cursor?: string | null;
  /** What a run does with them, in words. */
  skips: string;
}

export interface DryRunPlan {
  pipeline: string;
  file: string;
  /** `stac_search`, or the other source's name (nothing asked of an API then). */
  source: string;
  api: { url: string; id?: string; title?: string; conformance: string; classes: number } | null;
  collections: PlannedCollection[];
  searches: PlannedSearch[];
  /** Totals over the searches: null when a search's count is unknown. */
  items: { matched: number | null; planned: number | null };
  steps: PlannedStep[];
  outputs: PlannedOutput[];
  report: string;
  state: PlannedState | null;
  errors: PlanIssue[];
  warnings: PlanIssue[];
  /** The dry run's own promise, for scripts: it wrote nothing. */
  written: [];
  /**
   * A shard's dry run (--shard I/N): which shard, and what the counts above are: `whole_search` with the hash
   * (every shard searches everything and keeps about 1/N), `window` with a plan (the shard's own search).
   */
  shard?: ShardReport & { counts: 'whole_search' | 'window' };
}
