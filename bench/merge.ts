import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { envNumber, runChild } from './child.js';

/**
 * `npm run bench -- merge` (issue 14, point 6): `stacflow merge` of BENCH_MERGE_SHARDS (64) shards of
 * BENCH_MERGE_ROWS (10,000) realistic Kaguya rows each, CSV, GeoParquet and NDJSON, each merge in its own
 * process: seconds, rows/s, peak RSS, and the ratio to the reference measured in the same process just before
 * (every shard file read once, as `cat` does: the least any merge must do). Goal: < 10 s for each.
 */
export type MergeFormat = 'csv' | 'ndjson' | 'geoparquet';
export type MergeArgs = { mode: 'prepare'; dir: string; rows: number; shards: number } | { mode: 'merge'; dir: string; shards: number; format: MergeFormat };

interface Measured {
  seconds: number;
  readSeconds: number;
  bytes: number;
  rows: number;
  peakRssMb: number;
  rewritten: boolean;
}

const SHARDS = envNumber('BENCH_MERGE_SHARDS', 64);
const ROWS = envNumber('BENCH_MERGE_ROWS', 10_000);
const GOAL_SECONDS = 10;

export async function benchMerge(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-bench-merge-'));
  try {
    process.stderr.write(`merge bench: writing ${SHARDS} shards of ${ROWS} rows (csv, ndjson, geoparquet) in ${dir}\n`);
    await runChild('merge-process', { mode: 'prepare', dir, rows: ROWS, shards: SHARDS } satisfies MergeArgs);
    const lines = [
      `merge: ${SHARDS} shards × ${ROWS} rows, each format merged in its own process; reference: every shard file read once`,
      '  format       rows   merge s    rows/s  MB merged  read-once s  ratio  peak RSS MB  goal < 10 s',
    ];
    for (const format of ['csv', 'geoparquet', 'ndjson'] as const) {
      const m = await runChild<Measured>('merge-process', { mode: 'merge', dir, shards: SHARDS, format } satisfies MergeArgs);
      lines.push(
        [
          `  ${format}${m.rewritten ? ' (rewritten)' : ''}`.padEnd(12),
          `${m.rows}`.padStart(9),
          m.seconds.toFixed(2).padStart(9),
          `${Math.round(m.rows / m.seconds)}`.padStart(9),
          `${Math.round(m.bytes / 1e6)}`.padStart(10),
          m.readSeconds.toFixed(2).padStart(12),
          (m.seconds / m.readSeconds).toFixed(2).padStart(6),
          `${m.peakRssMb}`.padStart(12),
          `${m.seconds < GOAL_SECONDS ? 'met' : 'MISSED'} (${(m.seconds / GOAL_SECONDS).toFixed(2)} of it)`.padStart(13),
        ].join(' '),
      );
    }
    return `${lines.join('\n')}\n`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
