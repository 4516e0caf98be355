import { z } from 'zod';
import type { Entry } from '../src/entry.js';
import type { AsyncStep, StepStage } from '../src/engine/stage.js';
import { perEntry } from '../src/engine/step.js';
import { DEFAULT_REMOTE } from '../src/rclone/command.js';
import { resolveOutputPath } from '../src/remote-output/output-url.js';
import type { ManifestWriter } from '../src/rclone/manifest-writer.js';
import { manifestObjects } from '../src/rclone/objects.js';
import { destProblems } from '../src/rclone/placement.js';
import { assetSelectionFields, SELECTS_SOMETHING } from '../src/stac/asset-selection.js';

// rclone remote names: letters, digits, `_ . + @ -` and spaces inside (not first: `-` would read as a flag).
const REMOTE_NAME = /^[A-Za-z0-9_.+@][A-Za-z0-9_.+@ -]*$/;

export const rcloneManifestOptions = z
  .object({
    ...assetSelectionFields('list'),
    remote: z
      .string()
      .regex(REMOTE_NAME, { message: 'an rclone remote name: letters, digits, _ . + @ - (and inner spaces)' })
      .default(DEFAULT_REMOTE)
      .describe('rclone remote the lines and commands name; s3_noauth is the anonymous one in config/rclone.conf, any other is read from your rclone config'),
    path: z.string().min(1).describe('The manifest to write (directories are created): one `remote:/bucket/key` line per object, as the USGS tutorial; per-bucket --files-from lists go beside it'),
    dest: z
      .string()
      .min(1)
      .default('data')
      .superRefine((dest, ctx) => {
        for (const message of destProblems(dest)) ctx.addIssue({ code: 'custom', message });
      })
      .describe(
        'Where the printed `rclone copy` commands put the objects: a folder (objects land at <dest>/<key>), or the download step\'s `to` template ending in / ' +
          '(data/{collection}/{id}/: objects land where `download` writes them, so running both stores each file once)',
      ),
  })
  .strict()
  .refine(SELECTS_SOMETHING.check, { message: SELECTS_SOMETHING.message, path: ['assets'] })
  .describe('Write the rclone lists and commands that copy the selected S3 assets');

const example = `rclone_manifest:
  assets: [image]
  remote: s3_noauth
  path: out/kaguyatc_images_to_download.txt
  dest: data
`;

/**
 * `rclone_manifest`: lists the S3 objects of the selected assets for rclone to copy, as the USGS Astrogeology
 * tutorial ("Advanced: Discovering and Downloading Data with Python") does, and prints the commands.
 *
 * ```yaml
 * rclone_manifest:
 *   assets: [image]
 *   remote: s3_noauth
 *   path: out/kaguyatc_images_to_download.txt
 *   dest: data
 * ```
 *
 * Writes, when the run completes (temporary files renamed; an aborted run leaves earlier files as they were):
 * - `path`: one `s3_noauth:/<bucket>/<key>` line per object, in stream order, each object once: the
 *   tutorial's `kaguyatc_images_to_download.txt` (its `download_files.sh` loop reads it). The key is the
 *   href's path decoded once (`%20` is a space), as rclone wants the real key.
 * - `<path stem>.<bucket>.files.txt` per bucket: the keys, one a line, for `rclone copy --files-from`.
 * The result in the run report (`outputs`) gives the lists and one command per list (`copies`: the same as
 * parts), also logged at info:
 * `rclone copy --config <package>/config/rclone.conf --files-from <list> s3_noauth:<bucket> data --transfers 16
 * --no-traverse` (rclone HEADs the listed keys instead of listing their folders; with `--s3-region` for a
 * bucket in another region, and `--s3-provider Other --s3-endpoint <url>` when the pipeline's `s3.endpoint`
 * is set, so the line runs as printed).
 *
 * `dest` is a folder (objects at `<dest>/<key>`, the tutorial's layout) or the download step's `to` template
 * ending in `/` (`data/{collection}/{id}/`): then each object lands where `download` writes it, and a
 * pipeline with both steps (pipelines/kaguya-tc.yaml) never stores an image twice. rclone cannot rename, so
 * each list holds the part of the key the local path ends with, copied from the bucket folder above it
 * (src/rclone/placement.ts): `<path stem>.<bucket>.<n>.files.txt`, one per (bucket folder, local folder),
 * i.e. one per collection for the Kaguya layout, each with its command:
 * `… --files-from <list> s3_noauth:astrogeo-ard/moon/kaguya/terrain_camera/monoscopic/uncontrolled
 * data/kaguya_terrain_camera_monoscopic_uncontrolled_observations …`. A path the template cannot give safely
 * (an id with `..`, as `download` refuses it) fails the entry (ERR_RCLONE_PATH).
 *
 * An entry fails here (and none of its objects is listed) when a named asset is missing, an asset href is
 * not an S3 object (plain HTTPS: an s3 remote cannot copy it, use the `download` step), names an object
 * version, or its key is one rclone's lists would misread (control characters, leading `#`/`;`, white space
 * or `/` at either end, `//`, `.`/`..` segments: src/rclone/files-from-key.ts). Entries that failed earlier
 * are not listed; entries pass through unchanged. Counters: `objects`, `duplicates`, `bucket:<name>`.
 * Put it after the steps that may fail or drop entries: later failures cannot be taken back out of the lists.
 */
export const rcloneManifest: StepStage<typeof rcloneManifestOptions, AsyncStep> = {
  kind: 'step',
  name: 'rclone_manifest',
  writesFiles: ['path'],
  summary: 'List the selected S3 assets for rclone (the tutorial\'s s3_noauth:/bucket/key file, per-bucket --files-from lists) and print the copy commands',
  example,
  schema: rcloneManifestOptions,
  async create(options, ctx) {
    const { ManifestWriter } = await import('../src/rclone/manifest-writer.js'); // loaded to run, not to validate
    const writer: ManifestWriter = new ManifestWriter({
      path: resolveOutputPath(options.path), // s3://bucket/key stays a URL
      remote: options.remote,
      dest: options.dest,
      defaultRegion: ctx.s3.region,
      endpoint: ctx.s3.endpoint || undefined,
    });

    const work = async (entry: Entry): Promise<Entry> => {
      // Decide for every asset first: an entry with one bad asset lists none of its objects.
      const placed = manifestObjects(entry.item, options).map((object) => ({ object, placement: writer.placementOf(object, entry.item) }));
      for (const { object, placement } of placed) {
        if (await writer.add(object, placement)) {
          ctx.stats.count(ctx.label, 'objects');
          ctx.stats.count(ctx.label, `bucket:${object.bucket}`);
        } else ctx.stats.count(ctx.label, 'duplicates');
      }
      return entry;
    };

    // One at a time: the lists keep the stream order.
    return perEntry(work, {
      concurrency: 1,
      async finish() {
        const result = await writer.finish();
        ctx.log.info({ path: result.path, objects: result.rows, lists: result.lists }, `${ctx.label}: listed ${result.rows} objects in ${result.path}`);
        for (const command of result.commands) ctx.log.info({ command }, `${ctx.label}: to copy them, run: ${command}`);
        return result;
      },
      abort: () => writer.abort(),
    });
  },
};
