import { z } from 'zod';
import type { StacItem } from '../entry.js';

/**
 * Which assets of an item a stage takes (download, rclone_manifest): the keys listed in `assets`, and every
 * asset with one of `roles`. One schema and one rule for every stage that selects assets.
 */
export interface AssetSelection {
  readonly assets?: readonly string[];
  readonly roles?: readonly string[];
}

/** The `assets` / `roles` options; `what` says what the stage does with them ("download", "list"). */
export function assetSelectionFields(what: string) {
  return {
    assets: z.array(z.string().min(1)).min(1).optional().describe(`Keys of the assets to ${what}, e.g. [image]`),
    roles: z.array(z.string().min(1)).min(1).optional().describe(`Also ${what} every asset with one of these roles, e.g. [data]`),
  };
}

/** The refinement both fields share: at least one of them. */
export const SELECTS_SOMETHING = {
  check: (options: AssetSelection): boolean => options.assets !== undefined || options.roles !== undefined,
  message: 'say which assets: `assets` (asset keys), `roles` (asset roles), or both',
} as const;

/**
 * The selected assets with an href: the listed keys first (in the order given), then every other asset with
 * one of the roles (in the item's order). `missing` are listed keys the item lacks or whose href is empty.
 */
export function selectAssets(item: StacItem, selection: AssetSelection): { keys: string[]; missing: string[] } {
  const assets = item.assets ?? {};
  const hasHref = (key: string): boolean => typeof assets[key]?.href === 'string' && assets[key].href !== '';
  const chosen = new Set<string>();
  const missing: string[] = [];
  for (const key of selection.assets ?? []) {
    if (Object.hasOwn(assets, key) && hasHref(key)) chosen.add(key);
    else missing.push(key);
  }
  const roles = selection.roles ?? [];
  if (roles.length > 0) {
    for (const [key, asset] of Object.entries(assets)) {
      if (hasHref(key) && Array.isArray(asset?.roles) && asset.roles.some((role) => roles.includes(role))) chosen.add(key);
    }
  }
  return { keys: [...chosen], missing };
}
