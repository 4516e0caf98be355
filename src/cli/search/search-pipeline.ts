import { devNull } from 'node:os';
import { extname } from 'node:path';
import { STAGES } from '../../../operators/index.js';
import { inputJsonSchema } from '../../config/describe-schema.js';
import { pipelineSettingsSchema } from '../../config/pipeline-schema.js';
import { parseWithPlainMessages, plainIssues } from '../../config/plain-issues.js';
import type { ConfiguredStage, LoadedPipeline } from '../../engine/pipeline.js';
import type { OutputStage, SourceStage, Stage } from '../../engine/stage.js';
import { deepFreeze } from '../../util/deep-freeze.js';
import { UsageError } from '../main.js';
import { FLAG_OF } from './search-flags.js';

/** What `stacflow search` names its run: in logs, the report and the outputs' messages. */
export const SEARCH_RUN_NAME = 'search';

/** `--save FILE`'s writer, by the file's extension: the pipelines' own output stages. */
const WRITER_OF_EXTENSION: Readonly<Record<string, string>> = Object.freeze({
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.geojson': 'geojson',
  '.json': 'geojson',
  '.parquet': 'geoparquet',
  '.geoparquet': 'geoparquet',
  '.csv': 'csv',
});

/**
 * The pipeline `stacflow search` runs, built in memory: the `stac_search` source with the flags' options, no
 * steps, and one output: `ndjson` to standard output, or the writer `--save FILE`'s extension names. Every
 * option goes through its stage's schema, as a pipeline file's would, so a bad value reads the same; each
 * issue is named by its flag (`--bbox: needs 4 numbers ...`). The report goes to the null device unless a
 * path is given (the engine always writes one).
 */
export function searchPipeline(searchOptions: Record<string, unknown>, save: string | undefined, reportPath: string | undefined): LoadedPipeline {
  const source = configured<SourceStage>('stac_search', searchOptions, 'source.stac_search', flagOf);
  const writer = save === undefined ? 'ndjson' : writerOf(save);
  const output = configured<OutputStage>(writer, { path: save ?? '-' }, `outputs[0].${writer}`, () => '--save');
  const settings = pipelineSettingsSchema.parse({ name: SEARCH_RUN_NAME });
  return Object.freeze({
    file: 'stacflow search',
    name: SEARCH_RUN_NAME,
    report: reportPath ?? devNull,
    s3: Object.freeze({ ...settings.s3 }),
    http: settings.http,
    source: Object.freeze({ ...source, label: source.stage.name }),
    steps: Object.freeze([]),
    outputs: Object.freeze([Object.freeze({ ...output, label: output.stage.name })]),
  });
}

function writerOf(save: string): string {
  const extension = extname(save).toLowerCase();
  const writer = WRITER_OF_EXTENSION[extension];
  if (writer === undefined) {
    const known = Object.keys(WRITER_OF_EXTENSION).join(', ');
    throw new UsageError(`--save ${save}: ${extension ? `unknown extension ${extension}` : 'no extension'}: name a file ending in ${known} (that picks the writer)`);
  }
  return writer;
}

/** `bbox` → `--bbox`, `bbox[2]` → `--bbox[2]`: where a stac_search issue came from on the command line. */
function flagOf(path: readonly (string | number)[]): string {
  const [first, ...rest] = path;
  const flag = FLAG_OF[String(first)] ?? `--${String(first).replaceAll('_', '-')}`;
  return flag + rest.map((segment) => `[${segment}]`).join('');
}

/** One stage with its options parsed and defaulted by its schema; every issue at once, named by `where`. */
function configured<S extends Stage>(name: string, options: Record<string, unknown>, path: string, where: (path: readonly (string | number)[]) => string): Omit<ConfiguredStage<S>, 'label'> {
  const stage = STAGES.get(name) as S | undefined;
  if (stage === undefined) throw new Error(`stacflow search: no stage ${name} in the registry`); // a bug, not a flag
  const parsed = parseWithPlainMessages(stage.schema, options);
  if (!parsed.success) {
    const issues = plainIssues(parsed.error.issues, { json: inputJsonSchema(stage.schema), data: options, noun: 'option' });
    // One message a flag: the schema's check and the stage's own normalisation may both speak of one value.
    const byFlag = new Map<string, string>();
    for (const issue of issues) if (!byFlag.has(where(issue.path))) byFlag.set(where(issue.path), issue.message);
    throw new UsageError([...byFlag].map(([flag, message]) => `${flag}: ${message}`).join('\n'));
  }
  return { stage, options: deepFreeze(parsed.data), location: Object.freeze({ file: 'stacflow search', line: 0, col: 0, path }) };
}
