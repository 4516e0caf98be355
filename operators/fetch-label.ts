import { z } from 'zod';
import { withFields, type Entry } from '../src/entry.js';
import { formatBytes } from '../src/http/limits.js';
import { LabelCache } from '../src/labels/cache.js';
import { LABEL_NO_ASSET, LabelError } from '../src/labels/errors.js';
import type { AsyncStep, StepStage } from '../src/engine/stage.js';
import { perEntry } from '../src/engine/step.js';
import { PvlSyntaxError } from '../src/pvl/errors.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const fetchLabelOptions = z
  .object({
    asset: z.string().min(1).describe('Key of the asset holding the PVL label, e.g. caminfo_pvl'),
    as: z
      .string()
      .regex(IDENTIFIER, { message: 'a field name must be an identifier (letters, digits, _; not starting with a digit)' })
      .optional()
      .describe('Field the parsed document is stored in, read by field paths (caminfo.Caminfo.Geometry...); default: the asset key'),
    concurrency: z.number().int().positive().default(16).describe('Labels fetched at the same time'),
    cache: z
      .string()
      .min(1)
      .optional()
      .describe('Folder of an on-disk cache keyed by href and ETag: a later run revalidates (If-None-Match) instead of downloading'),
    required: z
      .boolean()
      .default(true)
      .describe('An item without the asset fails (true), or gets a null field and goes on (false)'),
  })
  .strict()
  .describe('Fetch and parse a PVL label asset of each item');

const example = `fetch_label:
  asset: caminfo_pvl
  as: caminfo
  concurrency: 32
  cache: .stacflow/labels
`;

/**
 * `fetch_label`: reads a PVL label asset of each item (an ISIS `caminfo` output, a PDS3 or ISIS label),
 * parses it and stores the document in a field, which field paths then read by PVL keys, ignoring case:
 * `caminfo.Caminfo.Geometry.IncidenceAngle`, `caminfo.Caminfo.Polygon.SurfaceArea@units`.
 *
 * ```yaml
 * fetch_label:
 *   asset: caminfo_pvl
 *   as: caminfo
 *   concurrency: 32
 *   cache: .stacflow/labels
 * ```
 *
 * Hrefs that are S3 objects (virtual-hosted, dash-region, path-style, `s3://`) are read through the S3
 * client with the pipeline's `s3:` settings (`s3.endpoint` moves them); others over HTTP(S) with the run's
 * retries. At most `concurrency` labels are in flight. A label that cannot be fetched (404, NoSuchKey,
 * unreachable after retries) or is not PVL (file:line:col in the message) fails its item, and the run goes
 * on; entries that failed earlier pass through untouched. Counters: `fetched` (labels downloaded),
 * `cache_hits` (served from `cache` after a 304), `bytes` (label bytes downloaded).
 */
export const fetchLabel: StepStage<typeof fetchLabelOptions, AsyncStep> = {
  kind: 'step',
  name: 'fetch_label',
  summary: 'Fetch each item\'s PVL label asset (S3 or HTTP, cached by ETag), parse it, store the document as a field',
  example,
  schema: fetchLabelOptions,
  // What it does for an entry stays in the entry: a retried item that passed it does not repeat it.
  keepsWorkInEntry: true,
  async create(options, ctx) {
    // The HTTP and S3 readers and the PVL parser (its grammar): loaded to run, not to validate.
    const [{ readLabelText }, { parsePvlOffThread }] = await Promise.all([import('../src/labels/fetch.js'), import('../src/pvl/parse-pool.js')]);
    const { asset, concurrency, required } = options;
    const field = options.as ?? asset;
    const cache = options.cache === undefined ? undefined : new LabelCache(options.cache);
    const reader = { http: ctx.http, s3: ctx.s3, signal: ctx.signal, cache, log: ctx.log };

    const work = async (entry: Entry): Promise<Entry> => {
      const href = entry.item.assets?.[asset]?.href;
      if (typeof href !== 'string' || href === '') {
        if (!required) return withFields(entry, { [field]: null });
        const keys = Object.keys(entry.item.assets ?? {});
        throw new LabelError(LABEL_NO_ASSET, `item has no asset ${asset} (its assets: ${keys.join(', ') || 'none'}; \`required: false\` keeps such items with ${field} null)`);
      }
      const label = await readLabelText(href, reader);
      if (label.fromCache) ctx.stats.count(ctx.label, 'cache_hits');
      else {
        ctx.stats.count(ctx.label, 'fetched');
        ctx.stats.count(ctx.label, 'bytes', label.bytes);
      }
      // The readers stop at the limit; a cached copy (or any text) over it is refused here too, before parsing.
      const { maxLabelBytes } = ctx.limits;
      if (label.text.length * 3 > maxLabelBytes && Buffer.byteLength(label.text) > maxLabelBytes) {
        const size = formatBytes(Buffer.byteLength(label.text));
        throw new LabelError('ERR_LABEL_TOO_LARGE', `label ${href} is ${size}: more than http.max_label_bytes = ${formatBytes(maxLabelBytes)}; not parsed`, { href });
      }
      try {
        // The fast path parses on this thread (~0.15 ms a label); a label it declines goes to the grammar in a
        // worker, so a broken label's error message (25 ms+ of ohm) never stalls the stream.
        return withFields(entry, { [field]: await parsePvlOffThread(label.text, href) });
      } catch (err) {
        // Not PVL: the item fails with the parser's code and message (href:line:col, the line, a caret).
        if (err instanceof PvlSyntaxError) throw new LabelError(err.code, err.message, { href, cause: err });
        throw err;
      }
    };
    return perEntry(work, { concurrency });
  },
};
