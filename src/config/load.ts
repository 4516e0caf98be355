import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { ConfigurationError, errorMessage, type ConfigIssue } from '../errors.js';
import { formatBytes } from '../http/limits.js';
import { aliasIssues } from './alias-check.js';
import { interpolateDocument, type Env } from './interpolate.js';
import type { LoadedPipeline, StageRegistry } from '../engine/pipeline.js';
import { Locator, sortIssues } from './locate.js';
import { applyOverrides, relocateIssues } from './overrides.js';
import { validatePipeline } from './validate.js';

export type { ConfiguredStage, LoadedPipeline, StageRegistry } from '../engine/pipeline.js';
export type { Env } from './interpolate.js';

/** A pipeline file is a few kB; anything over this is refused unread (a mistaken path, or a bomb). */
export const MAX_PIPELINE_BYTES = 1024 * 1024;

/**
 * Reads, interpolates and validates a pipeline file. Throws one `ConfigurationError` carrying every issue in
 * the file (file:line:col, YAML path, plain message), sorted in reading order.
 */
export async function loadPipeline(file: string, registry: StageRegistry, env: Env = process.env, options: LoadOptions = {}): Promise<LoadedPipeline> {
  return parsePipeline(await readPipelineText(file), file, registry, env, options);
}

export interface LoadOptions {
  /** `--set PATH=VALUE` arguments, applied to the file before validation (overrides.ts). */
  readonly set?: readonly string[];
}

/** The file's text, at most MAX_PIPELINE_BYTES of it (read in pieces: a FIFO or a huge file is never read whole). */
async function readPipelineText(file: string): Promise<string> {
  const refuse = (message: string): never => {
    throw new ConfigurationError([{ file, line: 0, col: 0, path: '', message }]);
  };
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    return refuse(`cannot read the pipeline file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err)}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_PIPELINE_BYTES) return refuse(tooLarge(size));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > MAX_PIPELINE_BYTES) return refuse(tooLarge(total, 'more than '));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    return refuse(`cannot read the pipeline file: ${errorMessage(err)}`);
  } finally {
    await handle.close();
  }
}

const tooLarge = (bytes: number, prefix = ''): string =>
  `the pipeline file is ${prefix}${formatBytes(bytes)} (${bytes} bytes); a pipeline file may be ${formatBytes(MAX_PIPELINE_BYTES)} at most: is this the right file?`;

/** As `loadPipeline`, from text; `file` names it in messages (and gives the default `name`). */
export function parsePipeline(text: string, file: string, registry: StageRegistry, env: Env = process.env, options: LoadOptions = {}): LoadedPipeline {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_PIPELINE_BYTES) throw new ConfigurationError([{ file, line: 0, col: 0, path: '', message: tooLarge(bytes) }]);
  const lineCounter = new LineCounter();
  const locator = new Locator(file, lineCounter, text);
  let doc;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    // yaml's parser recurses on nesting: thousands of `[` overflow it.
    if (!(err instanceof RangeError)) throw err;
    throw new ConfigurationError([{ file, line: 0, col: 0, path: '', message: `cannot parse the file: it nests too deep (${err.message})` }]);
  }
  // Past a syntax error the structure is a guess: report only the syntax errors.
  if (doc.errors.length > 0) throw new ConfigurationError(doc.errors.map((e) => syntaxIssue(e, text, locator)));
  // Before anything expands an alias (toJS): an alias bomb or a recursive alias is an issue, not a crash.
  const aliases = aliasIssues(doc, locator);
  if (aliases.length > 0) throw new ConfigurationError(sortIssues(aliases));

  const overrides = applyOverrides(doc, options.set ?? []);
  if (overrides.issues.length > 0) throw new ConfigurationError(overrides.issues);

  const interpolation = interpolateDocument(doc, env);
  const defaultName = basename(file, extname(file));
  const { pipeline, issues } = validatePipeline({ doc, locator, registry, interpolation, defaultName });
  if (!pipeline) throw new ConfigurationError(relocateIssues(sortIssues(issues), overrides.applied));
  return pipeline;
}

function syntaxIssue(error: YAMLError, text: string, locator: Locator): ConfigIssue {
  const { line, col } = locator.at(error.pos[0]);
  const lineText = text.split('\n')[line - 1] ?? '';
  // `{ endpoint: ${X} }` unquoted: `{` and `}` end the flow mapping early.
  const hint = /\$\{/.test(lineText) && /[[{]/.test(lineText) ? ' (inside { } or [ ], quote values that use ${...})' : '';
  return { file: locator.file, line, col, path: '', message: `YAML syntax error: ${error.message}${hint}` };
}
