import type { StacItem } from '../entry.js';
import type { ConfiguredStage } from '../engine/pipeline.js';
import type { PathSegment } from '../config/locate.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { CollectionFacts } from './dry-run-search.js';
import type { PlanIssue } from './dry-run-types.js';

/**
 * The asset keys the steps name (fetch_label's `asset`, download's and rclone_manifest's `assets`) checked
 * against each searched collection's `item_assets`, before any item is read: a misspelled key is one error
 * with did-you-mean, not a failure per item. A collection without `item_assets` cannot be checked (said), and
 * the first item a search of it found stands in (a warning when it lacks the key: items may differ).
 */

/** One asset key a step reads, and where it is written. */
export interface AssetUse {
  readonly label: string;
  readonly key: string;
  readonly path: readonly PathSegment[];
  /** false: the step passes an item without it on (`required: false`), so a missing key is no error. */
  readonly required: boolean;
}

/** The asset keys each step names, with their YAML paths. */
export function assetUses(steps: readonly ConfiguredStage[]): AssetUse[] {
  return steps.flatMap(({ stage, label, options }, index) => {
    const { asset, assets, required } = (options ?? {}) as { asset?: unknown; assets?: unknown; required?: unknown };
    const base: PathSegment[] = ['steps', index, stage.name];
    const needed = required !== false;
    if (typeof asset === 'string') return [{ label, key: asset, path: [...base, 'asset'], required: needed }];
    if (!Array.isArray(assets)) return [];
    return assets.filter((k): k is string => typeof k === 'string').map((key, j) => ({ label, key, path: [...base, 'assets', j], required: needed }));
  });
}

/** Errors for keys no collection's `item_assets` has; warnings for what could not be checked. */
export function checkAssetKeys(
  uses: readonly AssetUse[], collections: readonly CollectionFacts[], samples: readonly StacItem[],
): { errors: PlanIssue[]; warnings: PlanIssue[] } {
  const errors: PlanIssue[] = [];
  const warnings: PlanIssue[] = [];
  if (uses.length === 0) return { errors, warnings };
  const described = collections.filter((c) => c.itemAssets !== undefined);
  for (const use of uses) {
    const lacking = described.filter((c) => !Object.hasOwn(c.itemAssets!, use.key));
    if (lacking.length === 0) continue;
    const known = [...new Set(lacking.flatMap((c) => Object.keys(c.itemAssets!)))];
    const close = didYouMean(use.key, known);
    const hint = close !== undefined ? `did you mean "${close}"?` : `its item_assets: ${known.join(', ')}`;
    const where = lacking.length === 1 ? `collection ${lacking[0].id}` : `collections ${lacking.map((c) => c.id).join(', ')}`;
    const issue = { path: [...use.path], message: `${use.label}: ${where} ${lacking.length === 1 ? 'has' : 'have'} no asset "${use.key}" (item_assets); ${hint}` };
    if (use.required) errors.push({ code: 'ERR_ASSET_UNKNOWN', ...issue, message: `${issue.message} Every item would fail at ${use.label}.` });
    else warnings.push({ code: 'W_ASSET_UNKNOWN', ...issue, message: `${issue.message} (required: false: items go on without it)` });
  }

  const keys = [...new Set(uses.map((u) => u.key))].join(', ');
  const undescribed = collections.filter((x) => x.status === 'found' && x.itemAssets === undefined);
  for (const c of undescribed) {
    warnings.push({ code: 'W_ASSETS_UNCHECKED', message: `collection ${c.id} has no item_assets: asset keys (${keys}) could not be checked against it${c.sample ? `; its first item (${c.sample.id}) stands in` : ''}` });
  }
  const stand = collections.length === 0
    ? samples.map((sample) => ({ sample, of: undefined }))
    : undescribed.flatMap((c) => (c.sample ? [{ sample: c.sample, of: c.id }] : []));
  warnings.push(...sampleWarnings(uses, stand));
  return { errors, warnings };
}

/** Keys the items standing in for item_assets lack: one warning per key (another item may have it). */
function sampleWarnings(uses: readonly AssetUse[], stand: ReadonlyArray<{ sample: StacItem; of?: string }>): PlanIssue[] {
  return uses.flatMap((use) => {
    const lacking = stand.filter(({ sample }) => !Object.hasOwn(sample.assets ?? {}, use.key));
    if (lacking.length === 0) return [];
    const have = [...new Set(lacking.flatMap(({ sample }) => Object.keys(sample.assets ?? {})))];
    const close = didYouMean(use.key, have);
    const hint = close !== undefined ? `did you mean "${close}"?` : `${lacking.length === 1 ? 'it has' : 'they have'}: ${have.join(', ') || 'none'}`;
    const of = lacking.filter((l) => l.of !== undefined).map((l) => l.of);
    const what = of.length === 0
      ? `the first item found (${lacking.map((l) => l.sample.id).join(', ')}; no collection named, so no item_assets read)`
      : `the first item${of.length === 1 ? '' : 's'} of ${of.join(', ')}`;
    return [{ code: 'W_ASSET_NOT_IN_SAMPLE', path: [...use.path], message: `${use.label}: ${what} ${lacking.length === 1 ? 'has' : 'have'} no asset "${use.key}"; ${hint}` }];
  });
}
