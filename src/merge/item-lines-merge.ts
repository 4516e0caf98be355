import { FEATURE_COLLECTION_FRAMING, NDJSON_FRAMING, type ItemFraming } from '../catalog/item-catalog-sink.js';
import { TempOutputFile } from '../util/temp-output-file.js';
import { copyRange, readRange } from './copy-range.js';
import { MergeError } from './errors.js';
import type { MergeInput, MergeTarget, PreparedMerge } from './merge-target.js';

interface FramedShard {
  readonly input: MergeInput;
  /** The items' bytes: after the head, before the tail; empty when the shard wrote none. */
  readonly start: number;
  readonly end: number;
}

/**
 * The merged ndjson or geojson output: the shards' items, in shard order, framed once, streamed byte for byte
 * (no item is parsed: one a line in both outputs, src/catalog/item-catalog-sink.ts). NDJSON is the files one
 * after the other; GeoJSON one FeatureCollection holding every shard's features, never held in memory.
 * A shard file that is not framed as the output writes it (cut short, edited) is named, and nothing is written.
 */
export async function prepareItemLinesMerge(target: MergeTarget, inputs: readonly MergeInput[]): Promise<PreparedMerge> {
  const framing = target.kind === 'geojson' ? FEATURE_COLLECTION_FRAMING : NDJSON_FRAMING;
  const shards: FramedShard[] = [];
  for (const input of inputs) shards.push(await framed(input, framing, target.kind));
  return {
    async write() {
      const out = new TempOutputFile<Uint8Array | string>(target.path);
      let rows = 0;
      let items = 0;
      try {
        for (const shard of shards) {
          if (shard.end <= shard.start) continue;
          await out.write(items === 0 ? framing.head : framing.separator);
          await copyRange(shard.input.file.file, shard.start, shard.end, out);
          items += 1;
          rows += shard.input.result?.rows ?? 0;
        }
        // As the sink ends a file: the tail after items, an empty collection (or file) without.
        await out.write(items === 0 ? framing.head + framing.tail.trimStart() : framing.tail);
        await out.finish();
      } catch (err) {
        await out.abort().catch(() => undefined);
        throw err;
      }
      return { path: target.path, rows };
    },
  };
}

async function framed(input: MergeInput, framing: ItemFraming, kind: string): Promise<FramedShard> {
  const { name, file, size } = input.file;
  const empty = framing.head + framing.tail.trimStart();
  const headBytes = Buffer.byteLength(framing.head);
  const tailBytes = Buffer.byteLength(framing.tail);
  const bad = (why: string) => new MergeError('ERR_MERGE_INPUT', `${name} (${input.tag}): ${why}: not the ${kind} file a shard writes (cut short or changed?); run that shard again`);
  if (size === Buffer.byteLength(empty)) {
    if ((await readRange(file, 0, size)).toString('utf8') !== empty) throw bad(`${size} bytes that are not an empty ${kind} file`);
    return { input, start: 0, end: 0 };
  }
  if (size < headBytes + tailBytes) throw bad(`${size} bytes`);
  const head = (await readRange(file, 0, headBytes)).toString('utf8');
  const tail = (await readRange(file, size - tailBytes, size)).toString('utf8');
  if (head !== framing.head) throw bad(`it does not begin with ${JSON.stringify(framing.head)}`);
  if (tail !== framing.tail) throw bad(`it does not end with ${JSON.stringify(framing.tail)}`);
  // NDJSON's separator is the tail's newline: the items run to the end less the last newline.
  return { input, start: headBytes, end: size - tailBytes };
}
