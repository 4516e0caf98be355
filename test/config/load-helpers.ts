import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError, formatIssue } from '../../src/errors.js';
import { loadPipeline, parsePipeline } from '../../src/config/load.js';
import type { Env } from '../../src/config/interpolate.js';
import { testRegistry } from './load-test-stages.js';

/** A pipeline fixture's path as messages show it (relative to the working directory). */
export const fixture = (name: string): string =>
  relative(process.cwd(), fileURLToPath(new URL(`../fixtures/pipelines/${name}`, import.meta.url)));

/** The ConfigurationError a load must throw. */
export async function loadError(file: string, env: Env = {}): Promise<ConfigurationError> {
  const outcome = await loadPipeline(file, testRegistry, env).then(
    () => new Error(`${file} loaded, but it should not`),
    (err: unknown) => err,
  );
  if (!(outcome instanceof ConfigurationError)) throw outcome;
  return outcome;
}

/** The issues of a fixture as `file:line:col path: message` lines. */
export async function issuesOf(name: string, env: Env = {}): Promise<string[]> {
  return (await loadError(fixture(name), env)).issues.map(formatIssue);
}

/** The issues of pipeline text (named `p.yaml`) as `p.yaml:line:col path: message` lines. */
export function textIssues(text: string, env: Env = {}): string[] {
  try {
    parsePipeline(text, 'p.yaml', testRegistry, env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.issues.map(formatIssue);
    throw err;
  }
  throw new Error('the text loaded, but it should not');
}
