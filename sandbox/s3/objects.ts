import { parseS3Href } from '../../src/s3/href.js';
import type { SandboxCatalog } from '../catalog.js';
import { templates } from '../templates.js';

/**
 * Which objects the sandbox S3 holds: for every catalog item, its `caminfo_pvl` label and its `image`, at
 * the bucket and key of the item's asset hrefs (`astrogeo-ard`,
 * `moon/kaguya/terrain_camera/<kind>/uncontrolled/<ID>/<ID>.caminfo.pvl` and `.tif`). The other assets
 * (thumbnail, provenance, ISIS and PDS labels, ISD) are not held: they answer NoSuchKey, as the real
 * bucket does for some advertised objects (see fixtures/usgs/s3/).
 */

export type ServedAsset = 'caminfo_pvl' | 'image';
export const SERVED_ASSETS: readonly ServedAsset[] = Object.freeze(['caminfo_pvl', 'image']);

/** The bucket of every sandbox item's assets (the real one). */
export const SANDBOX_BUCKET = 'astrogeo-ard';

export const CONTENT_TYPES: Readonly<Record<ServedAsset, string>> = Object.freeze({
  caminfo_pvl: 'text/plain',
  image: 'image/tiff',
});

interface Layout {
  /** Key of the template item's asset with its id replaced by `{ID}` and its mode folder by `{KIND}`. */
  pattern: Record<ServedAsset, string>;
  /** The key's end after the id, per asset (`.caminfo.pvl`, `.tif`). */
  suffix: Record<ServedAsset, string>;
}

let layout: Layout | undefined;

function keyLayout(): Layout {
  if (!layout) {
    const item = templates().item;
    const pattern = {} as Record<ServedAsset, string>;
    const suffix = {} as Record<ServedAsset, string>;
    for (const asset of SERVED_ASSETS) {
      const location = parseS3Href(item.assets[asset].href);
      if (!location || location.bucket !== SANDBOX_BUCKET) throw new Error(`sandbox: the template item's ${asset} href is not in s3://${SANDBOX_BUCKET}`);
      pattern[asset] = location.key.split(item.id).join('{ID}').replace('/terrain_camera/monoscopic/', '/terrain_camera/{KIND}/');
      suffix[asset] = pattern[asset].slice(pattern[asset].lastIndexOf('{ID}') + 4);
    }
    layout = { pattern, suffix };
  }
  return layout;
}

/** The key of item `g`'s asset, as its href names it. */
export function objectKey(catalog: SandboxCatalog, g: number, asset: ServedAsset): string {
  return keyLayout().pattern[asset].split('{ID}').join(catalog.id(g)).replace('{KIND}', catalog.kind(g));
}

/** The item and asset a key belongs to, or undefined when the sandbox holds no such object. */
export function objectOf(catalog: SandboxCatalog, key: string): { g: number; asset: ServedAsset } | undefined {
  const { suffix } = keyLayout();
  const asset = SERVED_ASSETS.find((a) => key.endsWith(suffix[a]));
  if (!asset) return undefined;
  const id = key.slice(key.lastIndexOf('/') + 1, key.length - suffix[asset].length);
  const g = catalog.find(id);
  return g >= 0 && objectKey(catalog, g, asset) === key ? { g, asset } : undefined;
}
