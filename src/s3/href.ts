/**
 * Which hrefs are S3 objects, and which object: every URL form S3 answers to, mapped to bucket, key and
 * (when the host names one) region. Anything else is a plain HTTP(S) href that callers read through got.
 */

/** An S3 object. `region` only when the href names it (global endpoints and `s3://` do not). */
export interface S3Location {
  bucket: string;
  /** The object key, URL-decoded exactly once (`a%20b` is the key `a b`, `a%2520b` the key `a%20b`). */
  key: string;
  region?: string;
  /** From a `?versionId=` query. */
  versionId?: string;
}

// AWS region names: us-west-2, eu-central-1, us-gov-west-1, cn-north-1, ap-southeast-5...
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+';
// The S3 part of a host, after an optional bucket: `s3`, `s3.<region>`, `s3-<region>` (legacy dash form, what
// the USGS items use), `s3.dualstack.<region>`, then amazonaws.com (or amazonaws.com.cn in China).
const SERVICE = `s3(?:[.-](?<region>${REGION})|\\.dualstack\\.(?<dualRegion>${REGION})|(?<external>-external-1))?\\.amazonaws\\.com(?:\\.cn)?`;
const PATH_STYLE_HOST = new RegExp(`^${SERVICE}$`);
const VIRTUAL_HOST = new RegExp(`^(?<bucket>[a-z0-9][a-z0-9.-]*[a-z0-9])\\.${SERVICE}$`);

// scheme://authority path ?query #fragment, without URL's normalisation (it would resolve `..` and `.`
// segments, which are valid in S3 keys, and re-encode characters).
const URL_PARTS = /^(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?<authority>[^/?#]*)(?<path>[^?#]*)(?:\?(?<query>[^#]*))?(?:#.*)?$/;

/**
 * The S3 object an href names, or undefined when it is not an S3 object URL.
 *
 * ```ts
 * parseS3Href('https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/a/b.pvl')
 * // → { bucket: 'astrogeo-ard', key: 'moon/a/b.pvl', region: 'us-west-2' }
 * parseS3Href('s3://astrogeo-ard/moon/a/b.pvl') // → { bucket: 'astrogeo-ard', key: 'moon/a/b.pvl' }
 * parseS3Href('https://example.com/b.pvl')      // → undefined
 * ```
 *
 * Presigned URLs (with a signature in the query) are not mapped: the signature is what grants access, so
 * they are read as plain HTTPS. A bucket or key that is empty, or a key with broken %-escapes, gives undefined.
 */
export function parseS3Href(href: string): S3Location | undefined {
  const parts = URL_PARTS.exec(href.trim());
  if (!parts?.groups) return undefined;
  const scheme = parts.groups.scheme.toLowerCase();
  const authority = parts.groups.authority;
  const path = parts.groups.path;
  const query = parts.groups.query;

  if (scheme === 's3') return located(authority, path.slice(1), undefined, query);
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  if (authority.includes('@')) return undefined;
  const host = hostKind(authority.replace(/:\d*$/, '').toLowerCase());
  if (host === undefined) return undefined;
  if (host.bucket !== undefined) return located(host.bucket, path.slice(1), host.region, query);
  const slash = path.indexOf('/', 1);
  if (slash < 0) return undefined;
  return located(path.slice(1, slash), path.slice(slash + 1), host.region, query);
}

/** An href and the S3 object it names, read once: what the S3 client reads, `href` as written for messages. */
export interface S3Href {
  readonly href: string;
  readonly location: S3Location;
}

/** An href read once: the S3 object it names, or a plain HTTP(S) URL. Made where the href enters (a job). */
export type LocatedHref = ({ readonly kind: 's3' } & S3Href) | { readonly kind: 'http'; readonly href: string };

export function locateHref(href: string): LocatedHref {
  const location = parseS3Href(href);
  return location ? { kind: 's3', href, location } : { kind: 'http', href };
}

/** What a host says: a virtual-hosted bucket (and region), or a path-style S3 endpoint; undefined: not S3. */
interface HostKind {
  bucket?: string;
  region?: string;
}

/**
 * Hosts already read, and what they said: a catalog's hrefs share a few hosts, and the two host patterns
 * (backtracking over the bucket name) cost more than the rest of a parse. Bounded: cleared when full.
 */
const hosts = new Map<string, HostKind | null>();
const MAX_HOSTS = 256;

function hostKind(host: string): HostKind | undefined {
  let kind = hosts.get(host);
  if (kind === undefined) {
    const virtual = VIRTUAL_HOST.exec(host);
    const pathStyle = virtual ? null : PATH_STYLE_HOST.exec(host);
    kind = virtual?.groups
      ? { bucket: virtual.groups.bucket, region: regionOf(virtual.groups) }
      : pathStyle?.groups ? { region: regionOf(pathStyle.groups) } : null;
    if (hosts.size >= MAX_HOSTS) hosts.clear();
    hosts.set(host, kind);
  }
  return kind ?? undefined;
}

/** True when `parseS3Href` maps the href to an object. */
export const isS3Href = (href: string): boolean => parseS3Href(href) !== undefined;

/** `s3://bucket/key` (key as is, not encoded): for messages and logs. */
export const s3Uri = (location: S3Location): string => `s3://${location.bucket}/${location.key}`;

// `s3-external-1.amazonaws.com` is the old name of the us-east-1 endpoint.
function regionOf(groups: Record<string, string | undefined>): string | undefined {
  return groups.region ?? groups.dualRegion ?? (groups.external ? 'us-east-1' : undefined);
}

function located(rawBucket: string, rawKey: string, region: string | undefined, query: string | undefined): S3Location | undefined {
  const bucket = decodeOnce(rawBucket);
  const key = decodeOnce(rawKey);
  if (!bucket || !key || bucket.includes('/')) return undefined;
  // Most hrefs have no query: no URLSearchParams for them.
  const params = query ? new URLSearchParams(query) : undefined;
  if (params?.has('X-Amz-Signature') || params?.has('Signature')) return undefined;
  const versionId = params?.get('versionId') ?? undefined;
  const location: S3Location = { bucket, key };
  if (region) location.region = region;
  if (versionId) location.versionId = versionId;
  return location;
}

function decodeOnce(text: string): string | undefined {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
