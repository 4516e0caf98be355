import type { StacItem } from '../entry.js';

/**
 * The assets of an item the download step takes: the keys listed in `assets` (in that order), then every
 * other asset with one of `roles` (in the item's order). `missing` are listed keys the item lacks.
 */
export function selectAssets(item: StacItem, keys: readonly string[] = [], roles: readonly string[] = []): { keys: string[]; missing: string[] } {
  const assets = item.assets ?? {};
  const chosen = new Set<string>();
  const missing: string[] = [];
  for (const key of keys) {
    if (Object.hasOwn(assets, key)) chosen.add(key);
    else missing.push(key);
  }
  if (roles.length > 0) {
    for (const [key, asset] of Object.entries(assets)) {
      if (Array.isArray(asset?.roles) && asset.roles.some((role) => roles.includes(role))) chosen.add(key);
    }
  }
  return { keys: [...chosen], missing };
}
