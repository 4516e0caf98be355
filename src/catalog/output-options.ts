import { z } from 'zod';
import type { StageContext } from '../engine/stage.js';
import { hasFailed, type Entry } from '../entry.js';
import { STDOUT_PATH } from '../util/temp-output-file.js';
import { resolveOutputPath } from '../remote-output/output-url.js';

/** The options every catalog output shares (csv, ndjson, geojson, geoparquet): where it goes. */
export const outputPathOption = z
  .string()
  .min(1)
  .describe('File to write (directories are created), replaced only when the run completes; `-` is standard output; an existing FIFO or device (/dev/stdout) is written in place; s3://BUCKET/KEY is uploaded when the run completes (outputs_s3)');

/** Where an output's `path` writes: `-` stays standard output, `s3://bucket/key` as written, a local path made absolute once. */
export const outputTarget = (path: string): string => (path === STDOUT_PATH ? STDOUT_PATH : resolveOutputPath(path));

/** The sink's `target` (OutputSink): the file an output path replaces; none for standard output. */
export const fileTarget = (target: string): { target?: string } => (target === STDOUT_PATH ? {} : { target });

/** Whether a catalog output leaves `entry` out (`include_failed: false` and it failed): counted `failed_left_out`. */
export function leavesOut(entry: Entry, includeFailed: boolean, ctx: Pick<StageContext, 'stats' | 'label'>): boolean {
  if (includeFailed || !hasFailed(entry)) return false;
  ctx.stats.count(ctx.label, 'failed_left_out');
  return true;
}

/** Every catalog output's `mode`: what it holds in an incremental run (a pipeline with `state:`). */
export const outputModeOption = z
  .enum(['snapshot', 'append'])
  .default('snapshot')
  .describe(
    'With state: (incremental runs) snapshot writes the whole catalog, the items unchanged since an earlier run as the state stored them; ' +
      'append writes only the items worked in this run (new, changed, retried). Without state: the same',
  );

/** The options of an output whose rows are STAC Items (ndjson, geojson). */
export const itemCatalogOptions = (what: string) =>
  z
    .object({
      path: outputPathOption,
      include_failed: z
        .boolean()
        .default(true)
        .describe('Write failed entries too, with their failures under properties["stacflow:failures"]; false leaves them out'),
      mode: outputModeOption,
    })
    .strict()
    .describe(what);
