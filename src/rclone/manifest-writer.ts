import { basename, extname } from 'node:path';
import { outputSibling } from '../remote-output/output-url.js';
import { rcloneCopyArgv, shellLine } from './command.js';
import type { StacItem } from '../entry.js';
import type { ManifestObject } from './objects.js';
import { isDestTemplate, placer, type Placement, type Placer } from './placement.js';
import { TempLineFile } from './temp-line-file.js';

export interface ManifestWriterOptions {
  /** The manifest (absolute): one `<remote>:/<bucket>/<key>` line per object. */
  path: string;
  remote: string;
  /** A folder, or the download step's `to` template (src/rclone/placement.ts). */
  dest: string;
  /** The pipeline's `s3.region`: the region of buckets whose hrefs name none. */
  defaultRegion?: string;
  /** The pipeline's `s3.endpoint`, when set. */
  endpoint?: string;
}

/** One `rclone copy` of the result: what its command is made of (to print it for another endpoint). */
export interface ManifestCopy {
  remote: string;
  bucket: string;
  /** Folder under the bucket copied from ('' = the bucket's root). */
  source: string;
  list: string;
  dest: string;
  region?: string;
  objects: number;
}

/** What `finish` gives: the run report lists it under the step's label. */
export interface ManifestResult {
  path: string;
  /** Objects listed (after removing duplicates). */
  rows: number;
  /** The --files-from lists: by bucket name for a folder `dest`; by `<bucket>.<n>` for a template `dest`. */
  lists: Record<string, string>;
  /** One copy-pasteable `rclone copy` line per list, in the order lists were first used. */
  commands: string[];
  /** The same copies, as parts. */
  copies: ManifestCopy[];
  [extra: string]: unknown;
}

/** `<dir>/<stem>.<bucket>.files.txt` beside the manifest `<dir>/<stem>.<ext>` (`<bucket>.<n>` for a template `dest`). */
export function bucketListPath(manifestPath: string, bucket: string): string {
  const stem = basename(manifestPath, extname(manifestPath));
  return outputSibling(manifestPath, `${stem}.${bucket}.files.txt`); // beside an s3:// manifest too
}

interface CopyList {
  name: string;
  bucket: string;
  placement: Omit<Placement, 'line'>;
  list: TempLineFile;
  region?: string;
  objects: number;
}

/**
 * The manifest and its --files-from lists, written as objects arrive (to temporary files, in stream order,
 * each object once) and made visible by `finish` (lists first, the manifest last), or removed by `abort`.
 * One list per bucket for a folder `dest`; one per (bucket folder, local folder) for a template `dest`.
 * Duplicates are recognised by bucket and key, so memory grows with the number of distinct objects.
 */
export class ManifestWriter {
  private readonly manifest: TempLineFile;
  private readonly copies = new Map<string, CopyList>();
  private readonly perBucket = new Map<string, number>();
  private readonly seen = new Set<string>();
  private readonly templated: boolean;
  private readonly place: Placer;
  private objects = 0;

  constructor(private readonly options: ManifestWriterOptions) {
    this.manifest = new TempLineFile(options.path);
    this.templated = isDestTemplate(options.dest);
    this.place = placer(options.dest);
  }

  /** Where `object` of `item` would go (throws RcloneManifestError when `dest` gives no safe path): decide before `add`. */
  placementOf(object: ManifestObject, item: StacItem): Placement {
    return this.place(object, item);
  }

  /** Adds the object unless listed already; true when added. */
  async add(object: ManifestObject, placement: Placement): Promise<boolean> {
    const id = `${object.bucket}/${object.key}`; // bucket names hold no '/': unique
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    const copy = this.copyFor(object.bucket, placement);
    copy.region ??= object.region;
    copy.objects += 1;
    this.objects += 1;
    await copy.list.writeLine(placement.line);
    await this.manifest.writeLine(`${this.options.remote}:/${object.bucket}/${object.key}`);
    return true;
  }

  private copyFor(bucket: string, placement: Placement): CopyList {
    const id = `${bucket}\n${placement.source}\n${placement.dest}`;
    let copy = this.copies.get(id);
    if (!copy) {
      const n = (this.perBucket.get(bucket) ?? 0) + 1;
      this.perBucket.set(bucket, n);
      const name = this.templated ? `${bucket}.${n}` : bucket;
      copy = { name, bucket, placement: { source: placement.source, dest: placement.dest }, list: new TempLineFile(bucketListPath(this.options.path, name)), objects: 0 };
      this.copies.set(id, copy);
    }
    return copy;
  }

  async finish(): Promise<ManifestResult> {
    const lists: Record<string, string> = {};
    const commands: string[] = [];
    const copies: ManifestCopy[] = [];
    for (const copy of this.copies.values()) {
      await copy.list.finish();
      lists[copy.name] = copy.list.path;
      const region = copy.region ?? this.options.defaultRegion;
      const parts: ManifestCopy = {
        remote: this.options.remote,
        bucket: copy.bucket,
        source: copy.placement.source,
        list: copy.list.path,
        dest: copy.placement.dest,
        ...(region ? { region } : {}),
        objects: copy.objects,
      };
      copies.push(parts);
      commands.push(shellLine(rcloneCopyArgv({ ...parts, endpoint: this.options.endpoint })));
    }
    await this.manifest.finish();
    return { path: this.options.path, rows: this.objects, lists, commands, copies };
  }

  async abort(): Promise<void> {
    await Promise.all([this.manifest.abort(), ...[...this.copies.values()].map((c) => c.list.abort())]);
  }
}
