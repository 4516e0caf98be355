import type { StacItem } from '../entry.js';
import { parseS3Href } from '../s3/href.js';
import { selectAssets, type AssetSelection } from '../stac/asset-selection.js';
import { filesFromKeyProblem } from './files-from-key.js';
import { RCLONE_BUCKET, RCLONE_KEY, RCLONE_NO_ASSET, RCLONE_NOT_S3, RCLONE_VERSION, RcloneManifestError } from './errors.js';

/** One S3 object to copy, and the asset it came from. */
export interface ManifestObject {
  asset: string;
  href: string;
  bucket: string;
  key: string;
  /** When the href names one (`s3-us-west-2.amazonaws.com`); `s3://` hrefs do not. */
  region?: string;
}

// Bucket names as S3 allows them (legacy us-east-1 names too): safe in a file name and in `remote:bucket`.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The S3 objects of `item`'s selected assets (src/stac/asset-selection.ts). Throws a RcloneManifestError (the
 * entry fails, none of its objects is listed) when a named asset is missing, or an href is not an S3 object
 * rclone can copy from an s3 remote as written in a list.
 */
export function manifestObjects(item: StacItem, selection: AssetSelection): ManifestObject[] {
  const assets = item.assets ?? {};
  const { keys, missing } = selectAssets(item, selection);
  if (missing.length > 0) {
    throw new RcloneManifestError(
      RCLONE_NO_ASSET,
      `item has no asset ${missing.join(', ')} (its assets: ${Object.keys(assets).join(', ') || 'none'}); name assets every item has, or select by \`roles\``,
    );
  }
  return keys.map((asset) => objectOf(asset, assets[asset].href));
}

function objectOf(asset: string, href: string): ManifestObject {
  const location = parseS3Href(href);
  if (!location) {
    throw new RcloneManifestError(
      RCLONE_NOT_S3,
      `asset ${asset} is not an S3 object (${href}): an s3 remote cannot copy it; fetch it with the download step, or leave the asset out of rclone_manifest`,
      { href },
    );
  }
  const { bucket, key, region, versionId } = location;
  if (versionId !== undefined) {
    throw new RcloneManifestError(
      RCLONE_VERSION,
      `asset ${asset} names object version ${versionId} (${href}): an rclone list copies the current version only; fetch it with the download step`,
      { href },
    );
  }
  if (!BUCKET.test(bucket)) {
    throw new RcloneManifestError(RCLONE_BUCKET, `asset ${asset}: "${bucket}" is not an S3 bucket name (${href})`, { href });
  }
  const problem = filesFromKeyProblem(key);
  if (problem) {
    throw new RcloneManifestError(
      RCLONE_KEY,
      `asset ${asset}: rclone would misread the key ${JSON.stringify(key)} in a list: ${problem} (${href}); fetch it with the download step`,
      { href },
    );
  }
  return { asset, href, bucket, key, ...(region ? { region } : {}) };
}
