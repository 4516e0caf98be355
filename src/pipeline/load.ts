import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { ConfigurationError, errorMessage, type ConfigIssue } from '../errors.js';
import { interpolateDocument, type Env } from './interpolate.js';
import type { LoadedPipeline, StageRegistry } from './loaded-pipeline.js';
import { Locator, sortIssues } from './locate.js';
import { validatePipeline } from './validate.js';

export type { ConfiguredStage, LoadedPipeline, StageRegistry } from './loaded-pipeline.js';
export type { Env } from './interpolate.js';

/**
 * Reads, interpolates and validates a pipeline file. Throws one `ConfigurationError` carrying every issue in
 * the file (file:line:col, YAML path, plain message), sorted in reading order.
 */
export async function loadPipeline(file: string, registry: StageRegistry, env: Env = process.env): Promise<LoadedPipeline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err);
    throw new ConfigurationError([{ file, line: 0, col: 0, path: '', message: `cannot read the pipeline file: ${reason}` }]);
  }
  return parsePipeline(text, file, registry, env);
}

/** As `loadPipeline`, from text; `file` names it in messages (and gives the default `name`). */
export function parsePipeline(text: string, file: string, registry: StageRegistry, env: Env = process.env): LoadedPipeline {
  const lineCounter = new LineCounter();
  const locator = new Locator(file, lineCounter);
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // Past a syntax error the structure is a guess: report only the syntax errors.
  if (doc.errors.length > 0) throw new ConfigurationError(doc.errors.map((e) => syntaxIssue(e, text, locator)));

  const interpolation = interpolateDocument(doc, env);
  const defaultName = basename(file, extname(file));
  const { pipeline, issues } = validatePipeline({ doc, locator, registry, interpolation, defaultName });
  if (!pipeline) throw new ConfigurationError(sortIssues(issues));
  return pipeline;
}

function syntaxIssue(error: YAMLError, text: string, locator: Locator): ConfigIssue {
  const { line, col } = locator.at(error.pos[0]);
  const lineText = text.split('\n')[line - 1] ?? '';
  // `{ endpoint: ${X} }` unquoted: `{` and `}` end the flow mapping early.
  const hint = /\$\{/.test(lineText) && /[[{]/.test(lineText) ? ' (inside { } or [ ], quote values that use ${...})' : '';
  return { file: locator.file, line, col, path: '', message: `YAML syntax error: ${error.message}${hint}` };
}
