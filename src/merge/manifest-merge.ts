import { createReadStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { rcloneCopyArgv, shellLine } from '../rclone/command.js';
import type { ManifestCopy, ManifestResult } from '../rclone/manifest-writer.js';
import { bucketListPath } from '../rclone/manifest-writer.js';
import { isDestTemplate } from '../rclone/placement.js';
import { TempLineFile } from '../rclone/temp-line-file.js';
import { MergeError } from './errors.js';
import type { MergeInput, MergeTarget, PreparedMerge } from './merge-target.js';
import { localShardFile, type ShardFile } from './shard-inputs.js';

/** One merged --files-from list: the shards' lists of one copy (bucket, bucket folder, local folder). */
interface MergedList {
  name: string;
  copy: Omit<ManifestCopy, 'list' | 'objects'>;
  parts: ShardFile[];
}

/**
 * The rclone manifest of a `rclone_manifest` step, merged: the shards' manifests one after the other (shard
 * order), each object once (two items of two shards may name one object), and their --files-from lists merged
 * per copy (one per bucket for a folder `dest`, one per bucket folder and local folder for a template: named
 * `<bucket>.<n>` in order of first use, as the step names them), with the `rclone copy` commands for the
 * merged lists. A shard's lists are read from the names its report gives, beside its manifest.
 */
export async function prepareManifestMerge(target: MergeTarget, inputs: readonly MergeInput[], endpoint: string | undefined): Promise<PreparedMerge> {
  const templated = isDestTemplate(String(target.options.dest ?? 'data'));
  const lists = new Map<string, MergedList>();
  const perBucket = new Map<string, number>();
  const opened: ShardFile[] = [];
  for (const input of inputs) {
    const result = input.result as Partial<ManifestResult> | undefined;
    for (const copy of result?.copies ?? []) {
      const local = join(dirname(input.file.name), basename(copy.list)); // beside the manifest where the shard wrote it
      const file = await localShardFile(local);
      if (!file) throw new MergeError('ERR_MERGE_INPUT', `${local} (${input.tag}): the --files-from list its report names is missing: run that shard again`);
      opened.push(file);
      const key = `${copy.bucket}\n${copy.source}\n${copy.dest}`;
      let list = lists.get(key);
      if (!list) {
        const n = (perBucket.get(copy.bucket) ?? 0) + 1;
        perBucket.set(copy.bucket, n);
        const { list: _list, objects: _objects, ...parts } = copy;
        list = { name: templated ? `${copy.bucket}.${n}` : copy.bucket, copy: parts, parts: [] };
        lists.set(key, list);
      }
      list.parts.push(file);
    }
  }
  return {
    async write() {
      const files: TempLineFile[] = [];
      try {
        const result: ManifestResult = { path: target.path, rows: 0, lists: {}, commands: [], copies: [] };
        for (const list of lists.values()) {
          const out = new TempLineFile(bucketListPath(target.path, list.name));
          files.push(out);
          const objects = await appendUniqueLines(list.parts, out);
          const copy: ManifestCopy = { ...list.copy, list: out.path, objects };
          result.lists[list.name] = out.path;
          result.copies.push(copy);
          result.commands.push(shellLine(rcloneCopyArgv({ ...copy, endpoint })));
        }
        const manifest = new TempLineFile(target.path);
        files.push(manifest);
        result.rows = await appendUniqueLines(
          inputs.map((i) => i.file),
          manifest,
        );
        // Lists first, the manifest last, as the step makes them visible.
        for (const file of files) await file.finish();
        return result;
      } catch (err) {
        await Promise.all(files.map((f) => f.abort().catch(() => undefined)));
        throw err;
      } finally {
        await Promise.all(opened.map((f) => f.release()));
      }
    },
  };
}

/** The lines of `parts` in order, each once; returns how many were written. */
async function appendUniqueLines(parts: readonly ShardFile[], out: TempLineFile): Promise<number> {
  const seen = new Set<string>();
  for (const part of parts) {
    const lines = createInterface({ input: createReadStream(part.file), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '' || seen.has(line)) continue;
      seen.add(line);
      await out.writeLine(line);
    }
  }
  return seen.size;
}
