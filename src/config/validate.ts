import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type Scalar } from 'yaml';
import type { z } from 'zod';
import type { ConfigIssue, SourceLocation } from '../errors.js';
import { suggestionSuffix } from '../util/did-you-mean.js';
import { coerceInterpolated } from './coerce-interpolated.js';
import { describeValue, inputJsonSchema, schemaAt } from './describe-schema.js';
import type { DocumentInterpolation } from './interpolate.js';
import type { ConfiguredStage, LoadedPipeline, StageRegistry } from '../engine/pipeline.js';
import { descend, formatPath, isAbsent, keyText, type Locator, type PathSegment } from './locate.js';
import { pipelineSettingsSchema, STAGE_SLOTS, TOP_LEVEL_KEYS } from './pipeline-schema.js';
import { parseWithPlainMessages, plainIssues, type PlainIssue } from './plain-issues.js';
import type { SourceStage, Stage, StageKind } from '../engine/stage.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { stageLabels } from './stage-labels.js';

export interface ValidationInput {
  doc: Document;
  locator: Locator;
  registry: StageRegistry;
  interpolation: DocumentInterpolation;
  /** `name` when the file has none: the file name without extension. */
  defaultName: string;
}

export interface ValidationResult {
  /** Set when there are no issues. */
  pipeline?: LoadedPipeline;
  /** Every issue in the file, in discovery order. */
  issues: ConfigIssue[];
}

const KIND_WORDS: Record<StageKind, { a: string; plural: string }> = {
  source: { a: 'a source', plural: 'sources' },
  step: { a: 'a step', plural: 'steps' },
  output: { a: 'an output', plural: 'outputs' },
};

/**
 * Checks a parsed, interpolated pipeline document against the top-level shape and the stage registry, and
 * collects every issue in the file rather than stopping at the first, each located at the deepest node that
 * explains it. Returns the frozen pipeline when there is none.
 */
export function validatePipeline(input: ValidationInput): ValidationResult {
  return new Validation(input).run();
}

class Validation {
  private readonly issues: ConfigIssue[] = [];
  /** Scalars that already have an interpolation issue: a schema issue at the same place would only repeat it. */
  private readonly failedScalars: Set<Node>;

  constructor(private readonly input: ValidationInput) {
    this.failedScalars = new Set(input.interpolation.problems.map((p) => p.node));
    for (const problem of input.interpolation.problems) {
      this.issues.push(input.locator.issue(problem.node, problem.path, problem.message));
    }
  }

  run(): ValidationResult {
    const { doc } = this.input;
    const root = doc.contents as Node | null;
    if (!isMap(root)) {
      const got = root ? describeValue(toJS(doc, root)) : 'an empty file';
      this.issues.push(this.input.locator.issue(root, [], `expected a mapping of pipeline keys (name, source, steps, outputs...), got ${got}`));
      return { issues: this.issues };
    }

    const pairs = new Map<string, Pair>();
    for (const pair of root.items) {
      const key = keyText(pair.key);
      if (TOP_LEVEL_KEYS.includes(key)) pairs.set(key, pair);
      else this.issues.push(this.input.locator.issue(pair.key as Node, [key], `unknown key "${key}"${suggestionSuffix(key, TOP_LEVEL_KEYS, 'known keys')}`));
    }

    const settings = this.settings(root, pairs);
    const source = this.source(root, pairs.get('source'));
    const steps = this.list(pairs.get('steps'), 'step');
    const outputs = this.list(pairs.get('outputs'), 'output');
    if (this.issues.length > 0 || !settings || !source || !steps || !outputs) return { issues: this.issues };

    const pipeline: LoadedPipeline = {
      file: this.input.locator.file,
      name: settings.name ?? this.input.defaultName,
      ...(settings.schedule !== undefined && { schedule: settings.schedule }),
      ...(settings.schedule_timezone !== undefined && { scheduleTimezone: settings.schedule_timezone }),
      ...(settings.state !== undefined && { state: settings.state }),
      ...(settings.report !== undefined && { report: settings.report }),
      failFast: settings.fail_fast,
      s3: Object.freeze({ ...settings.s3 }),
      http: settings.http,
      outputsS3: settings.outputs_s3,
      source: Object.freeze({ ...source, label: source.stage.name }),
      steps: Object.freeze(labelled(steps)),
      outputs: Object.freeze(labelled(outputs)),
    };
    return { pipeline: Object.freeze(pipeline), issues: [] };
  }

  /** name, schedule, state, report, s3, http: one zod schema. */
  private settings(root: Node, pairs: Map<string, Pair>): z.output<typeof pipelineSettingsSchema> | undefined {
    const data: Record<string, unknown> = {};
    for (const key of Object.keys(pipelineSettingsSchema.shape)) {
      const pair = pairs.get(key);
      if (pair) data[key] = toJS(this.input.doc, pair.value as Node | null);
    }
    const json = inputJsonSchema(pipelineSettingsSchema);
    for (const key of Object.keys(data)) {
      const node = pairs.get(key)?.value as Node | null;
      if (node) coerceInterpolated(data, node, json, [key], this.input.interpolation);
    }
    const parsed = parseWithPlainMessages(pipelineSettingsSchema, data);
    if (parsed.success) return parsed.data;
    this.report(plainIssues(parsed.error.issues, { json, data, noun: 'key' }), root, []);
    return undefined;
  }

  private source(root: Node, pair: Pair | undefined): Unlabelled<SourceStage> | undefined {
    if (!pair) {
      this.issues.push(this.input.locator.issue(root, ['source'], 'missing required key "source" (the stage that finds the items, e.g. "source: { stac_search: { ... } }")'));
      return undefined;
    }
    return this.stage(pair.value as Node | null, pair.key as Node, ['source'], 'source');
  }

  /** `steps:` or `outputs:`: a list of one-key mappings; absent or empty is an empty list. */
  private list<K extends 'step' | 'output'>(pair: Pair | undefined, kind: K): Array<Unlabelled<StageOfKind<K>>> | undefined {
    const slot = STAGE_SLOTS[kind];
    const node = this.resolve(pair?.value as Node | null | undefined);
    if (!pair || !node || (isScalar(node) && node.value === null)) return [];
    if (!isSeq(node)) {
      const got = describeValue(toJS(this.input.doc, node));
      this.issues.push(this.input.locator.issue(node, [slot], `expected a list of stages, each written "- name: options", got ${got}`));
      return undefined;
    }
    const stages: Array<Unlabelled<StageOfKind<K>>> = [];
    let ok = true;
    node.items.forEach((item, index) => {
      const stage = this.stage(item as Node | null, node, [slot, index], kind);
      if (stage) stages.push(stage);
      else ok = false;
    });
    return ok ? stages : undefined;
  }

  /** One `{ stage_name: options }` entry in its slot. `near` locates the issue when the entry itself is absent. */
  private stage<K extends StageKind>(entry: Node | null, near: Node, path: PathSegment[], kind: K): Unlabelled<StageOfKind<K>> | undefined {
    const { doc, locator, registry } = this.input;
    const node = this.resolve(entry);
    const shape = 'a one-key mapping { stage_name: options }';
    if (!isMap(node)) {
      const value = node ? toJS(doc, node) : null;
      const hint = typeof value === 'string' && registry.has(value) ? `; write it "${value}: ${optionsPlaceholder(registry.get(value)!)}"` : '';
      this.issues.push(locator.issue(node ?? near, path, `expected ${shape}, got ${describeValue(value)}${hint}`));
      return undefined;
    }
    if (node.items.length !== 1) {
      const keys = node.items.map((p) => keyText(p.key));
      const [first, second] = node.items;
      // `- fetch_label:` followed by options at the same indentation is the usual cause.
      const indent = first && isAbsent(first.value) && registry.has(keys[0]) ? `; indent the options under "${keys[0]}:"` : '';
      const got = keys.length === 0 ? 'an empty mapping' : `${keys.length} keys (${keys.join(', ')})`;
      this.issues.push(locator.issue((second?.key as Node) ?? node, path, `expected ${shape}, got ${got}${indent}`));
      return undefined;
    }

    const pair = node.items[0];
    const name = keyText(pair.key);
    const keyNode = pair.key as Node;
    const at = [...path, name];
    const stage = registry.get(name);
    if (!stage) {
      const candidates = [...registry.values()].filter((s) => s.kind === kind).map((s) => s.name);
      this.issues.push(locator.issue(keyNode, at, `unknown stage "${name}"${suggestionSuffix(name, candidates, `known ${KIND_WORDS[kind].plural}`)}`));
      return undefined;
    }
    if (!isOfKind(stage, kind)) {
      const sources = [...registry.values()].filter((s) => s.kind === 'source').map((s) => s.name);
      const instead = kind === 'source' ? ` and name a source here (${sources.join(', ')})` : '';
      const message = `"${name}" is ${KIND_WORDS[stage.kind].a}, not ${KIND_WORDS[kind].a}: move it under "${STAGE_SLOTS[stage.kind]}:"${instead}`;
      this.issues.push(locator.issue(keyNode, at, message));
      return undefined;
    }

    const options = this.options(stage, isAbsent(pair.value) ? null : (pair.value as Node), keyNode, at);
    if (!options.ok) return undefined;
    const { line, col } = locator.at(keyNode.range?.[0] ?? 0);
    const location: SourceLocation = Object.freeze({ file: locator.file, line, col, path: formatPath(at) });
    return { stage, options: deepFreeze(options.value), location };
  }

  private options(stage: Stage, valueNode: Node | null, keyNode: Node, at: PathSegment[]): { ok: true; value: unknown } | { ok: false } {
    const { doc } = this.input;
    const json = inputJsonSchema(stage.schema);
    let data = toJS(doc, valueNode);
    // `- download:` with nothing after it means "no options" when the schema is a mapping with defaults.
    if (data === null && schemaAt(json, [])?.type === 'object') data = {};
    if (valueNode) data = coerceInterpolated(data, valueNode, json, [], this.input.interpolation);
    const parsed = parseWithPlainMessages(stage.schema, data);
    if (parsed.success) return { ok: true, value: parsed.data };
    this.report(plainIssues(parsed.error.issues, { json, data, noun: 'option' }), valueNode ?? keyNode, at);
    return { ok: false };
  }

  /** Locates plain issues (paths relative to `start`) and records them, unless interpolation already spoke. */
  private report(plain: PlainIssue[], start: Node, base: PathSegment[]): void {
    for (const issue of plain) {
      const descent = descend(this.input.doc, start, issue.path);
      const reachedKey = issue.at === 'key' && descent.depth === issue.path.length && descent.keyNode;
      const node = reachedKey ? descent.keyNode! : descent.node;
      if (this.failedScalars.has(node)) continue;
      const original = this.input.interpolation.written.get(node as Scalar);
      const from = original !== undefined && issue.at === 'value' ? ` (from "${original}")` : '';
      this.issues.push(this.input.locator.issue(node, [...base, ...issue.path], issue.message + from, original === undefined ? issue.textAt : undefined));
    }
  }

  private resolve(node: Node | null | undefined): Node | null | undefined {
    return isAlias(node) ? (node.resolve(this.input.doc) as Node | undefined) : node;
  }
}

/** What to write after a stage name: `{}` when every option has a default, else a reminder that options go there. */
function optionsPlaceholder(stage: Stage): string {
  const json = inputJsonSchema(stage.schema);
  if (json.type !== 'object') return '<options>';
  return Array.isArray(json.required) && json.required.length > 0 ? `{ ${json.required.join(', ')}, ... }` : '{}';
}

/**
 * A node as plain JS. Aliases were checked before validation (alias-check.ts: none recursive, the whole file
 * under MAX_EXPANDED_VALUES once expanded), so yaml's own count, which throws a ReferenceError from here on
 * files that are fine (an anchor holding 10 aliases, used 11 times), is turned off.
 */
function toJS(doc: Document, node: Node | null | undefined): unknown {
  return node ? node.toJS(doc, { maxAliasCount: -1 }) : null;
}

/** A configured stage before its label is known (labels number repeats across the whole list). */
type Unlabelled<S extends Stage> = Omit<ConfiguredStage<S>, 'label'>;

type StageOfKind<K extends StageKind> = Extract<Stage, { kind: K }>;

function isOfKind<K extends StageKind>(stage: Stage, kind: K): stage is StageOfKind<K> {
  return stage.kind === kind;
}

/** Labels stages in a list (stage-labels.ts): the name, then `name#2`, `name#3` for repeats. */
function labelled<S extends Stage>(stages: Array<Unlabelled<S>>): Array<ConfiguredStage<S>> {
  const labels = stageLabels(stages.map((s) => s.stage.name));
  return stages.map((s, i) => Object.freeze({ ...s, label: labels[i] }));
}

