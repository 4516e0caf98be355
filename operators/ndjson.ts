import { itemCatalogOptions, outputTarget } from '../src/catalog/output-options.js';
import type { OutputStage } from '../src/engine/stage.js';

export const ndjsonOptions = itemCatalogOptions('Write one STAC Item per line (NDJSON)');

const example = `ndjson: { path: out/kaguya-tc.ndjson }
`;

/**
 * `ndjson`: one STAC Item a line, each still a valid STAC Item, streamed to a temporary file renamed to
 * `path` at the end of the run (`-`: standard output, logs stay on stderr).
 *
 * ```yaml
 * ndjson: { path: out/kaguya-tc.ndjson }
 * ```
 *
 * What the run learned goes where STAC has room for it (src/catalog/catalog-item.ts): each `select`ed field
 * as the property `stacflow:<name>` (`stacflow:incidence_angle`), failures as `stacflow:failures`, and each
 * downloaded asset gets `file:local_path`, `file:size` and `file:checksum` (the File extension is added to
 * `stac_extensions`). The `items` source reads the file back, so a saved catalog can be run again.
 * A failed entry is written with its failures; one whose item its source refused (not JSON, nested too deep)
 * keeps only its id and collection there, so that line alone is no complete STAC Item.
 * An item whose run fields cannot be made JSON is written without them and fails (ERR_CATALOG_VALUE).
 * Counted: `failed_left_out` with `include_failed: false`. A run that aborts leaves an earlier file in place.
 */
export const ndjson: OutputStage<typeof ndjsonOptions> = {
  kind: 'output',
  name: 'ndjson',
  writesFiles: ['path'],
  summary: 'Write one STAC Item per line (NDJSON), with the selected fields and local files',
  example,
  schema: ndjsonOptions,
  async create(options, ctx) {
    const { itemCatalogSink, NDJSON_FRAMING } = await import('../src/catalog/item-catalog-sink.js');
    const path = outputTarget(options.path);
    return itemCatalogSink({ path, includeFailed: options.include_failed, mode: options.mode }, NDJSON_FRAMING, ctx);
  },
};
