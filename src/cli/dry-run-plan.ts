import type { Logger } from 'pino';
import type { ConfiguredStage, LoadedPipeline } from '../engine/pipeline.js';
import { defaultReportPath } from '../engine/report.js';
import { createHttpClient } from '../http/client.js';
import { DEFAULT_LIMITS } from '../http/limits.js';
import { planSearch, type SearchOptionsInput } from '../stac/search-params.js';
import { assetUses, checkAssetKeys } from './dry-run-assets.js';
import { searchFacts, type CollectionFacts, type SearchCount, type SearchFacts } from './dry-run-search.js';
import { plannedState } from './dry-run-state.js';
import type { DryRunPlan, PlannedOutput, PlannedSearch, PlannedStep } from './dry-run-types.js';

export interface DryRunOptions {
  readonly log: Logger;
  /** `--report`: where the run would write its report. */
  readonly report?: string;
  readonly fullRefresh?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * The plan of a run of `plan`, from what the API says (dry-run-search.ts) and what the file says: items per
 * search, labels to read, files and bytes to download, outputs and their paths, the state. Writes nothing.
 * Throws a StacApiError when the API cannot be read at all.
 */
export async function planDryRun(plan: LoadedPipeline, options: DryRunOptions): Promise<DryRunPlan> {
  const source = plan.source.stage.name;
  const facts = source === 'stac_search' ? await askApi(plan, options) : undefined;
  const searches = (facts?.searches ?? []).map(plannedSearch);
  // Another source (a file of items) is read only by running: its count is unknown here.
  const planned = facts ? sum(searches.map((s) => s.items)) : null;
  const matched = facts ? sum(searches.map((s) => s.matched)) : null;
  const errors = [...(facts?.errors ?? [])];
  const warnings = [...(facts?.warnings ?? [])];
  if (facts) {
    const samples = facts.searches.flatMap((s) => (s.sample ? [s.sample] : []));
    const assets = checkAssetKeys(assetUses(plan.steps), facts.collections, samples);
    errors.push(...assets.errors);
    warnings.push(...assets.warnings);
  }
  return {
    pipeline: plan.name,
    file: plan.file,
    source,
    api: facts ? { url: facts.api.url, ...(facts.api.id && { id: facts.api.id }), ...(facts.api.title && { title: facts.api.title }), conformance: facts.api.conformanceSource, classes: facts.api.conformsTo.length } : null,
    collections: (facts?.collections ?? []).map((c) => ({
      id: c.id,
      status: c.status,
      ...(c.title !== undefined && { title: c.title }),
      item_assets: c.itemAssets ? Object.keys(c.itemAssets) : null,
      ...(c.suggestion !== undefined && { suggestion: c.suggestion }),
    })),
    searches,
    items: { matched, planned },
    steps: plannedSteps(plan.steps, planned, facts),
    outputs: plan.outputs.map(plannedOutput),
    report: options.report ?? plan.report ?? defaultReportPath(plan),
    state: await plannedState(plan.state, options.fullRefresh ?? false),
    errors,
    warnings,
    written: [],
  };
}

async function askApi(plan: LoadedPipeline, options: DryRunOptions): Promise<SearchFacts> {
  const limits = plan.http ?? DEFAULT_LIMITS;
  const http = createHttpClient({
    limits,
    onRetry: (info) => options.log.info({ ...info }, `retrying ${info.method} ${info.url} in ${info.delayMs} ms (retry ${info.attempt}): ${info.reason}`),
  });
  return searchFacts(planSearch(plan.source.options as SearchOptionsInput), { http, limits, log: options.log, signal: options.signal });
}

function plannedSearch(count: SearchCount): PlannedSearch {
  const max = count.search.maxItems ?? null;
  const matched = count.matched ?? null;
  return {
    collections: [...(count.search.parameters.collections ?? [])],
    method: count.method,
    matched,
    max_items: max,
    items: matched === null ? null : max === null ? matched : Math.min(matched, max),
    ...(count.byCollection && { by_collection: count.byCollection.map((c) => ({ collection: c.collection, matched: c.matched ?? null })) }),
  };
}

/** What each step would do with the planned items; after a step that may drop items, counts are upper bounds. */
function plannedSteps(steps: readonly ConfiguredStage[], planned: number | null, facts: SearchFacts | undefined): PlannedStep[] {
  let exact = true;
  return steps.map(({ stage, label, options }) => {
    const o = (options ?? {}) as { asset?: string; as?: string; assets?: string[]; roles?: string[]; to?: string; path?: string };
    const step: PlannedStep = { label, stage: stage.name, does: stage.summary, exact };
    if (stage.name === 'fetch_label') {
      step.does = `reads and parses label ${o.asset} of each item, as ${o.as ?? o.asset}`;
      step.labels = planned;
    } else if (stage.name === 'download') {
      const keys = o.assets ?? [];
      step.does = `downloads ${describeSelection(o)} of each item`;
      step.files = planned === null || o.roles !== undefined ? null : planned * keys.length;
      if (facts && o.roles === undefined) Object.assign(step, downloadBytes(keys, facts));
      step.writes = o.to;
    } else if (stage.name === 'rclone_manifest') {
      step.does = `lists ${describeSelection(o)} of each item for rclone`;
      step.writes = o.path;
    } else if (stage.name === 'filter') {
      step.does = 'keeps the items that match (how many: known only by running)';
      exact = false;
    }
    return step;
  });
}

const describeSelection = (o: { assets?: string[]; roles?: string[] }): string =>
  [o.assets ? `assets ${o.assets.join(', ')}` : '', o.roles ? `assets with roles ${o.roles.join(', ')}` : ''].filter(Boolean).join(' and ');

/**
 * Bytes to download, from item_assets `file:size`: items × the sizes of the keys, per collection. A search of
 * several collections cut by max_items is counted at the largest item size (an upper bound).
 */
function downloadBytes(keys: readonly string[], facts: SearchFacts): Pick<PlannedStep, 'bytes' | 'size_unknown' | 'bytes_at_most'> {
  const unknown = new Set<string>();
  const sizeOf = (collection: string | undefined): number | undefined => {
    const described = facts.collections.find((c: CollectionFacts) => c.id === collection)?.itemAssets;
    let total = 0;
    for (const key of keys) {
      const size = described?.[key]?.['file:size'];
      if (typeof size === 'number') total += size;
      else unknown.add(key);
    }
    return total;
  };
  let bytes = 0;
  let atMost = false;
  for (const count of facts.searches) {
    const items = plannedSearch(count).items;
    const collections = count.search.parameters.collections ?? [];
    if (items === null) return { bytes: null, size_unknown: [...keys] };
    if (items === 0) continue;
    if (collections.length <= 1) {
      bytes += items * (sizeOf(collections[0]) ?? 0);
      continue;
    }
    const per = (count.byCollection ?? []).map((c) => ({ matched: c.matched, size: sizeOf(c.collection) ?? 0 }));
    const all = sum(per.map((p) => p.matched ?? null));
    if (all !== null && all <= items) bytes += per.reduce((acc, p) => acc + (p.matched ?? 0) * p.size, 0);
    else {
      bytes += items * Math.max(0, ...per.map((p) => p.size));
      atMost = true;
    }
  }
  if (unknown.size > 0) return { bytes: null, size_unknown: [...unknown] };
  return { bytes, ...(atMost && { bytes_at_most: true }) };
}

function plannedOutput({ stage, label, options }: ConfiguredStage): PlannedOutput {
  const target = (options as { path?: unknown } | undefined)?.path;
  return { label, stage: stage.name, path: typeof target === 'string' ? target : null };
}

/** The sum, or null when one is unknown. */
function sum(values: ReadonlyArray<number | null>): number | null {
  let total = 0;
  for (const v of values) {
    if (v === null) return null;
    total += v;
  }
  return total;
}
