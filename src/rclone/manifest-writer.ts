import { basename, dirname, extname, join } from 'node:path';
import { rcloneCopyArgv, shellLine } from './command.js';
import type { ManifestObject } from './objects.js';
import { TempLineFile } from './temp-line-file.js';

export interface ManifestWriterOptions {
  /** The manifest (absolute): one `<remote>:/<bucket>/<key>` line per object. */
  path: string;
  remote: string;
  dest: string;
  /** The pipeline's `s3.region`: the region of buckets whose hrefs name none. */
  defaultRegion?: string;
  /** The pipeline's `s3.endpoint`, when set. */
  endpoint?: string;
}

/** What `finish` gives: the run report lists it under the step's label. */
export interface ManifestResult {
  path: string;
  /** Objects listed (after removing duplicates). */
  rows: number;
  /** The --files-from list of each bucket, by bucket name. */
  lists: Record<string, string>;
  /** One copy-pasteable `rclone copy` line per bucket, in the order buckets were first seen. */
  commands: string[];
  [extra: string]: unknown;
}

/** `<dir>/<stem>.<bucket>.files.txt` beside the manifest `<dir>/<stem>.<ext>`. */
export function bucketListPath(manifestPath: string, bucket: string): string {
  const stem = basename(manifestPath, extname(manifestPath));
  return join(dirname(manifestPath), `${stem}.${bucket}.files.txt`);
}

/**
 * The manifest and its per-bucket lists, written as objects arrive (to temporary files, in stream order,
 * each object once) and made visible by `finish` (lists first, the manifest last), or removed by `abort`.
 * Duplicates are recognised by bucket and key, so memory grows with the number of distinct objects.
 */
export class ManifestWriter {
  private readonly manifest: TempLineFile;
  private readonly buckets = new Map<string, { list: TempLineFile; region?: string; objects: number }>();
  private readonly seen = new Set<string>();
  private objects = 0;

  constructor(private readonly options: ManifestWriterOptions) {
    this.manifest = new TempLineFile(options.path);
  }

  /** Adds the object unless listed already; true when added. */
  async add(object: ManifestObject): Promise<boolean> {
    const id = `${object.bucket}/${object.key}`; // bucket names hold no '/': unique
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    let bucket = this.buckets.get(object.bucket);
    if (!bucket) {
      bucket = { list: new TempLineFile(bucketListPath(this.options.path, object.bucket)), region: object.region, objects: 0 };
      this.buckets.set(object.bucket, bucket);
    }
    bucket.region ??= object.region;
    bucket.objects += 1;
    this.objects += 1;
    await bucket.list.writeLine(object.key);
    await this.manifest.writeLine(`${this.options.remote}:/${object.bucket}/${object.key}`);
    return true;
  }

  async finish(): Promise<ManifestResult> {
    const lists: Record<string, string> = {};
    const commands: string[] = [];
    for (const [name, bucket] of this.buckets) {
      await bucket.list.finish();
      lists[name] = bucket.list.path;
      const argv = rcloneCopyArgv({
        remote: this.options.remote,
        bucket: name,
        list: bucket.list.path,
        dest: this.options.dest,
        region: bucket.region ?? this.options.defaultRegion,
        endpoint: this.options.endpoint,
      });
      commands.push(shellLine(argv));
    }
    await this.manifest.finish();
    return { path: this.options.path, rows: this.objects, lists, commands };
  }

  async abort(): Promise<void> {
    await Promise.all([this.manifest.abort(), ...[...this.buckets.values()].map((b) => b.list.abort())]);
  }
}
