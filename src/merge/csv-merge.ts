import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { TempOutputFile } from '../util/temp-output-file.js';
import { copyRange, readRange } from './copy-range.js';
import { MergeError } from './errors.js';
import type { MergeInput, MergeTarget, PreparedMerge } from './merge-target.js';

/** The longest header read (a header is column names: far below this). */
const MAX_HEADER_BYTES = 4 * 1024 * 1024;
/** The csv output's last column when failed entries are written (operators/csv.ts): kept last in a union. */
const FAILED = 'failed';
/** Rows re-ordered at a time when a shard's columns differ from the merged header. */
const BATCH = 2000;

interface CsvShard {
  readonly input: MergeInput;
  readonly header: string[];
  /** Where the rows begin (the byte after the header's newline). */
  readonly body: number;
}

/**
 * The merged CSV: the header once, then each shard's rows in shard order. Shards' headers agree when the
 * pipeline names its `columns`; when the writer derived them from the data (the first entry's selected fields,
 * asset and file keys: operators/csv.ts), they may differ: the merged header is their union (first seen first,
 * `failed` last) and a shard with other columns has its rows re-ordered by column name, its missing cells
 * empty: a cell never moves to another column. Rows of shards whose header is the merged one are copied as bytes.
 */
export async function prepareCsvMerge(target: MergeTarget, inputs: readonly MergeInput[]): Promise<PreparedMerge> {
  const shards: CsvShard[] = [];
  for (const input of inputs) shards.push({ input, ...(await readHeader(input)) });
  const header = mergedHeader(target, shards);
  const same = (h: readonly string[]) => h.length === header.length && h.every((name, i) => name === header[i]);
  return {
    async write() {
      const out = new TempOutputFile<Uint8Array | string>(target.path);
      let rows = 0;
      try {
        await out.write(stringify([header]));
        for (const shard of shards) {
          if (same(shard.header)) {
            await copyRange(shard.input.file.file, shard.body, shard.input.file.size, out);
            rows += shard.input.result?.rows ?? 0;
          } else rows += await writeReordered(shard, header, out);
        }
        await out.finish();
      } catch (err) {
        await out.abort().catch(() => undefined);
        throw err;
      }
      return { path: target.path, rows };
    },
  };
}

/** The first record of a shard's CSV and where it ends (a newline outside quotes). */
async function readHeader(input: MergeInput): Promise<{ header: string[]; body: number }> {
  const { name, file, size } = input.file;
  const head = await readRange(file, 0, Math.min(size, MAX_HEADER_BYTES));
  let quoted = false;
  let end = -1;
  for (let i = 0; i < head.length; i++) {
    const byte = head[i];
    if (byte === 0x22) quoted = !quoted;
    else if (byte === 0x0a && !quoted) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) {
    if (size === 0) throw new MergeError('ERR_MERGE_INPUT', `${name} (${input.tag}): empty, where the csv output writes a header at least: damaged? run that shard again`);
    throw new MergeError('ERR_MERGE_INPUT', `${name} (${input.tag}): no complete header line in its first ${head.length} bytes: not a CSV the csv output wrote? run that shard again`);
  }
  let records: string[][];
  try {
    records = parseSync(head.subarray(0, end), { relax_quotes: false });
  } catch (err) {
    throw new MergeError('ERR_MERGE_INPUT', `${name} (${input.tag}): its header does not parse as CSV (${(err as Error).message})`, { cause: err });
  }
  return { header: records[0] ?? [], body: end };
}

function mergedHeader(target: MergeTarget, shards: readonly CsvShard[]): string[] {
  if (shards.length === 0) return [];
  const first = shards[0];
  const differs = shards.find((s) => s.header.join('\u0000') !== first.header.join('\u0000'));
  if (!differs) return first.header;
  if (target.options.columns !== undefined) {
    // Named columns give every shard one header: another one was written by another configuration.
    throw new MergeError(
      'ERR_MERGE_MISMATCH',
      `${differs.input.file.name} (${differs.input.tag}): its header (${differs.header.join(',')}) is not that of ${first.input.file.name} (${first.header.join(',')}), ` +
        `though ${target.label} names its columns: the shards ran different pipelines; run them again with one`,
    );
  }
  for (const shard of shards) {
    const twice = shard.header.find((name, i) => shard.header.indexOf(name) !== i);
    if (twice !== undefined) {
      throw new MergeError('ERR_MERGE_INPUT', `${shard.input.file.name} (${shard.input.tag}): column "${twice}" appears twice, so the shards' different headers cannot be lined up by name`);
    }
  }
  const names: string[] = [];
  const seen = new Set<string>();
  let failed = false;
  for (const shard of shards) {
    for (const name of shard.header) {
      if (name === FAILED) failed = true;
      else if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  return failed ? [...names, FAILED] : names;
}

/** A shard's rows with its cells moved to the merged header's columns (cells written as they are: escaped once). */
async function writeReordered(shard: CsvShard, header: readonly string[], out: TempOutputFile<Uint8Array | string>): Promise<number> {
  const at = header.map((name) => shard.header.indexOf(name));
  const parser = createReadStream(shard.input.file.file, { start: shard.body }).pipe(parse({ relax_column_count: false }));
  let batch: string[][] = [];
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await out.write(stringify(batch, { escape_formulas: false }));
    batch = [];
  };
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (record.length !== shard.header.length) {
        throw new MergeError('ERR_MERGE_INPUT', `${shard.input.file.name} (${shard.input.tag}): row ${rows + 1} has ${record.length} cells, its header ${shard.header.length}`);
      }
      batch.push(at.map((i) => (i < 0 ? '' : record[i])));
      rows += 1;
      if (batch.length >= BATCH) await flush();
    }
  } catch (err) {
    if (err instanceof MergeError) throw err;
    throw new MergeError('ERR_MERGE_INPUT', `${shard.input.file.name} (${shard.input.tag}): its rows do not parse as CSV (${(err as Error).message})`, { cause: err });
  }
  await flush();
  return rows;
}
