import path from 'node:path';

/**
 * Output paths that name an S3 object: `s3://bucket/key`, taken literally as the AWS CLI takes them (no
 * %-decoding: the key is what is written). Everything else is a local path.
 */
export interface OutputObject {
  readonly bucket: string;
  readonly key: string;
}

const S3_URL = /^s3:\/\/(?<bucket>[^/]+)\/(?<key>.+)$/;

export const isRemoteOutput = (file: string): boolean => /^s3:\/\//i.test(file);

/** The bucket and key of `s3://bucket/key`; an error naming the URL when it has no bucket or no key. */
export function outputObject(url: string): OutputObject {
  const match = S3_URL.exec(url);
  if (!match?.groups || match.groups.key.endsWith('/')) {
    throw new Error(`${url}: an S3 output must be s3://BUCKET/KEY with a file name at the end (s3://my-bucket/out/kaguya-tc.csv)`);
  }
  return { bucket: match.groups.bucket, key: match.groups.key };
}

/** `s3://bucket/a/b.csv` → `s3://bucket/a` (no normalisation: `//` and `..` stay, as keys may hold them). */
export function remoteDirname(url: string): string {
  const slash = url.lastIndexOf('/');
  return slash < 's3://'.length ? url : url.slice(0, slash);
}

/**
 * A file named `name` in the folder of `file`: for an `s3://` URL by plain concatenation (node:path would
 * fold `s3://` into `s3:/`), for a local path as node:path joins.
 */
export function outputSibling(file: string, name: string): string {
  return isRemoteOutput(file) ? `${remoteDirname(file)}/${name}` : path.join(path.dirname(file), name);
}

/** An output path made absolute once: an `s3://` URL stays as written (node:path would fold it), a local path is resolved. */
export const resolveOutputPath = (file: string): string => (isRemoteOutput(file) ? file : path.resolve(file));
