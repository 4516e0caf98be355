import { isCollection, isMap, isSeq, parseDocument, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import type { ConfigIssue } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import { formatPath, keyText, type PathSegment } from './locate.js';
import { stageLabels } from './stage-labels.js';

/**
 * `--set PATH=VALUE` (repeatable, as helm's `--set`): any option of a pipeline file changed from the command
 * line, then validated with the file, so a bad value is refused as it would be in the file. PATH follows the
 * file's keys with dots (`source.stac_search.bbox`, `s3.endpoint`); a step or an output is addressed by its
 * stage name (`steps.download.concurrency`), by its label when the name repeats (`steps.filter#2`), or by its
 * index (`steps[1]`, `steps.1`). VALUE is YAML: `[3,4,5,6]`, `16`, `true`, or a string.
 *
 * The overrides are applied to the parsed document before interpolation and validation (load.ts); an issue
 * under an overridden path is named by the `--set` argument, not by a line of the file it is not in.
 */

/** One `--set` argument, resolved to the YAML path it replaces. */
export interface AppliedOverride {
  /** As given: `steps.download.concurrency=16`. */
  readonly argument: string;
  /** The path set, in the file's terms: `['steps', 3, 'download', 'concurrency']`. */
  readonly path: readonly PathSegment[];
}

export interface OverrideResult {
  readonly applied: readonly AppliedOverride[];
  /** Arguments that could not be applied (no `=`, a path to no stage, a value that is not YAML). */
  readonly issues: readonly ConfigIssue[];
}

/** The top-level keys holding lists of stages, which a PATH addresses by stage name or label. */
const STAGE_LISTS: ReadonlySet<string> = new Set(['steps', 'outputs']);

/** Applies every `--set` argument to `doc`, in order (a later one wins). */
export function applyOverrides(doc: Document, argumentsGiven: readonly string[]): OverrideResult {
  const applied: AppliedOverride[] = [];
  const issues: ConfigIssue[] = [];
  for (const argument of argumentsGiven) {
    const outcome = applyOne(doc, argument);
    if ('message' in outcome) issues.push(overrideIssue(argument, outcome.path ?? '', outcome.message));
    else applied.push(outcome);
  }
  return { applied, issues };
}

/**
 * `issues` with those under an overridden path (or at it) named by the `--set` argument that wrote it; the
 * last override of a path wins, as it did when applied.
 */
export function relocateIssues(issues: readonly ConfigIssue[], applied: readonly AppliedOverride[]): ConfigIssue[] {
  const written = applied.map((o) => ({ argument: o.argument, path: formatPath(o.path) })).reverse();
  return issues.map((issue) => {
    const by = written.find((o) => issue.path === o.path || issue.path.startsWith(`${o.path}.`) || issue.path.startsWith(`${o.path}[`));
    return by ? overrideIssue(by.argument, issue.path, issue.message) : issue;
  });
}

/** An issue of a `--set` argument: `--set steps.download.concurrency=-1 steps[3].download.concurrency: ...`. */
const overrideIssue = (argument: string, path: string, message: string): ConfigIssue => ({ file: `--set ${argument}`, line: 0, col: 0, path, message });

type Failure = { message: string; path?: string };

function applyOne(doc: Document, argument: string): AppliedOverride | Failure {
  const equals = argument.indexOf('=');
  if (equals <= 0) return { message: 'expected PATH=VALUE, e.g. --set steps.download.concurrency=16 or --set source.stac_search.bbox=[3,4,5,6]' };
  const written = splitPath(argument.slice(0, equals));
  if (typeof written === 'string') return { message: written };
  const value = parseValue(doc, argument.slice(equals + 1));
  if ('message' in value) return value;
  const path = resolvePath(doc, written);
  if ('message' in path) return path;
  setAt(doc, path.segments, value.node);
  return { argument, path: path.segments };
}

/** `steps[1].download.concurrency` → `['steps', 1, 'download', 'concurrency']`; a message when malformed. */
export function splitPath(text: string): PathSegment[] | string {
  const segments: PathSegment[] = [];
  for (const part of text.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match || (match[1] === '' && match[2] === '')) return `"${text}" is not a path: write keys with dots, e.g. steps.download.concurrency`;
    if (match[1] !== '') segments.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** VALUE read as YAML into a node of `doc`; `''` is null. */
function parseValue(doc: Document, text: string): { node: Node } | Failure {
  const parsed = parseDocument(text, { prettyErrors: false });
  if (parsed.errors.length > 0) return { message: `the value is not YAML: ${parsed.errors[0].message.split('\n')[0]} (quote it for the shell: --set 'key=[1, 2]')` };
  return { node: doc.createNode(parsed.toJS({ maxAliasCount: 0 })) as Node };
}

/** The written path in the file's terms: stage lists addressed by stage name, label or index. */
function resolvePath(doc: Document, written: readonly PathSegment[]): { segments: PathSegment[] } | Failure {
  const [first, second, ...rest] = written;
  if (typeof first !== 'string' || !STAGE_LISTS.has(first) || second === undefined) return { segments: [...written] };
  const list = isMap(doc.contents) ? doc.contents.get(first, true) : undefined;
  const entries = isSeq(list) ? list.items.map((item) => stageNameOf(item)) : [];
  const labels = stageLabels(entries);
  const slot = first;
  let index: number;
  if (typeof second === 'number') {
    if (second >= entries.length) return { path: `${slot}[${second}]`, message: `${slot} has ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} (indexes from 0): --set changes the stages the file has` };
    index = second;
  } else {
    const byLabel = labels.indexOf(second);
    const named = entries.flatMap((name, i) => (name === second ? [i] : []));
    if (named.length > 1) {
      const which = named.map((i) => `${slot}.${labels[i]}`).join(', ');
      return { path: slot, message: `${named.length} ${slot} are "${second}": say which by label (${which}) or index (${slot}[${named[0]}])` };
    }
    if (byLabel < 0 && named.length === 0) {
      const close = didYouMean(second, [...new Set([...entries.filter((e): e is string => e !== undefined), ...labels])]);
      const listed = labels.length > 0 ? `; it has: ${labels.join(', ')}` : '';
      return { path: slot, message: `no ${slot === 'steps' ? 'step' : 'output'} "${second}" in the file${close ? `; did you mean "${close}"?` : listed} (--set changes the stages the file has)` };
    }
    index = byLabel >= 0 ? byLabel : named[0];
  }
  const name = entries[index];
  // `steps.download.concurrency`: the stage's key follows its address; `steps[3].concurrency` means the same.
  const tail = name !== undefined && rest[0] === name ? rest.slice(1) : rest;
  return { segments: name === undefined ? [slot, index, ...rest] : [slot, index, name, ...tail] };
}

/** The stage name of a list entry (`- download: {...}` → `download`), if it is a one-key mapping. */
function stageNameOf(item: unknown): string | undefined {
  return isMap(item) && item.items.length === 1 ? keyText(item.items[0].key) : undefined;
}


/** Sets `value` at `path`, making mappings where the file has none (or has a scalar, as `download:` with nothing). */
function setAt(doc: Document, path: readonly PathSegment[], value: Node): void {
  if (path.length === 0) return;
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as YAMLMap;
  let parent = doc.contents as YAMLMap | YAMLSeq;
  for (const segment of path.slice(0, -1)) {
    let child: unknown = parent.get(segment, true);
    if (!isCollection(child)) {
      child = doc.createNode({});
      parent.set(segment, child);
    }
    parent = child as YAMLMap | YAMLSeq;
  }
  // An existing key keeps its place (and its location in the file).
  parent.set(path[path.length - 1], value);
}
