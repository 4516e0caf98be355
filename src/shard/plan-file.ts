import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { LoadedPipeline } from '../engine/pipeline.js';
import { OPEN } from '../stac/datetime.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { plannableSearch } from './plan-search.js';
import { formatMicros, instantMicros, itemStartMicros } from './plan-time.js';
import type { ShardSelection } from './selection.js';
import { ShardUsageError, type ShardSpec } from './shard-spec.js';

/** The version of the plan file's format, `stacflow_plan` in it. */
export const PLAN_FORMAT = 1;

const instantOrOpen = z
  .string()
  .refine((text) => text === OPEN || instantMicros(text) !== undefined, { message: 'expected an RFC 3339 date-time or ".."' });

const windowSchema = z
  .object({
    index: z.number().int().min(0).describe('The shard that runs this window (from 0)'),
    start: instantOrOpen.describe('First instant of the window (inclusive), ".." for open: the first window only'),
    end: instantOrOpen.describe('End of the window (exclusive; the last window includes it), ".." for open: the last window only'),
    expected: z.number().int().min(0).describe('Items the planner counted starting in the window'),
  })
  .strict();

/**
 * A datetime plan (`stacflow plan FILE --shards N --out PLAN.json`): the pipeline's search split into N
 * windows of near-equal counts, read by every shard (`run-pipeline FILE --shard I/N --plan PLAN.json`).
 */
export const planFileSchema = z
  .object({
    stacflow_plan: z.literal(PLAN_FORMAT).describe('Format version of this file'),
    strategy: z.literal('datetime'),
    pipeline: z.string().describe("The pipeline's name"),
    file: z.string().describe('The pipeline file the plan was made from'),
    fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256: and 64 hex digits').describe('Of the options that choose the items (src/shard/plan-search.ts): a shard refuses a plan made for another search'),
    search: z.object({ api: z.string(), datetime: z.string().nullable() }).strict().describe('The search, for people: its API and configured datetime'),
    shards: z.number().int().min(1),
    total: z.number().int().min(0).describe('Items the whole search matched when planned'),
    windows: z.array(windowSchema).min(1),
    balance: z.number().describe('Largest window count over the mean'),
    made_at: z.string().describe('When the plan was made (UTC)'),
    requests: z.number().int().min(0).describe('HTTP requests the plan took (retries aside)'),
    retries: z.number().int().min(0),
    converged: z.boolean().describe('false: the request budget ran out before every cut was as near its quantile as asked'),
    stacflow: z.string().describe('Version of stacflow that made the plan'),
  })
  .strict();

export type DatetimePlan = z.infer<typeof planFileSchema>;
export type PlanWindow = DatetimePlan['windows'][number];

/**
 * Reads a plan for shard `spec` of `pipeline`: the pipeline with its search narrowed to the shard's window
 * (the window's datetime intersected with the configured one), and the selection that keeps the items
 * starting in it. Refuses (ShardUsageError, exit 2) a file that is not a plan, one made for another number of
 * shards or another search (the fingerprint), naming the file and the field.
 */
export async function loadShardPlan(file: string, pipeline: LoadedPipeline, spec: ShardSpec): Promise<{ pipeline: LoadedPipeline; selection: ShardSelection }> {
  const plan = await readPlanFile(file);
  if (plan.shards !== spec.count) {
    throw new ShardUsageError(`${file}: shards: the plan splits the search into ${plan.shards} windows, but this is shard ${spec.index}/${spec.count}: run ${plan.shards} shards, or plan again with --shards ${spec.count}`);
  }
  const search = plannableSearch(pipeline);
  if (plan.fingerprint !== search.fingerprint) {
    throw new ShardUsageError(
      `${file}: fingerprint: the plan was made for another search (of pipeline ${plan.pipeline}, ${plan.file}) than ${pipeline.file}'s as configured now: ` +
        `its collections, bbox, intersects, datetime, query or filter differ (or a --set changed them); plan again: stacflow plan ${pipeline.file} --shards ${spec.count}`,
    );
  }
  const window = plan.windows[spec.index];
  const narrowed = narrowSearch(pipeline, intersect(search.start, search.end, window));
  return { pipeline: narrowed, selection: windowSelection(plan, window, spec, file) };
}

/** The plan in `file`, checked: JSON, the schema, windows in order and joined end to start, one per shard. */
export async function readPlanFile(file: string): Promise<DatetimePlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ShardUsageError(`${file}: cannot read the plan file (${code ?? String(err)}); make it with stacflow plan PIPELINE --shards N --out ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ShardUsageError(`${file}: not JSON (${(err as Error).message}); a plan file is what stacflow plan --out writes`);
  }
  const parsed = planFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${file}: ${issue.path.length > 0 ? issue.path.join('.').replace(/\.(\d+)/g, '[$1]') : '(top)'}: ${issue.message}`);
    throw new ShardUsageError(`${issues.join('\n')}\nnot a stacflow plan (format ${PLAN_FORMAT}): make one with stacflow plan PIPELINE --shards N --out ${file}`);
  }
  const plan = parsed.data;
  const problem = windowProblem(plan);
  if (problem !== undefined) throw new ShardUsageError(`${file}: ${problem}; make the plan again with stacflow plan`);
  return plan;
}

function windowProblem(plan: DatetimePlan): string | undefined {
  const { windows } = plan;
  if (windows.length !== plan.shards) return `windows: ${windows.length} windows for shards: ${plan.shards}`;
  for (const [i, window] of windows.entries()) {
    const at = `windows[${i}]`;
    if (window.index !== i) return `${at}.index: expected ${i}, got ${window.index}`;
    if (window.start === OPEN && i > 0) return `${at}.start: only the first window may be open at its start`;
    if (window.end === OPEN && i < windows.length - 1) return `${at}.end: only the last window may be open at its end`;
    if (i > 0 && window.start !== windows[i - 1].end) return `${at}.start: ${window.start} is not where windows[${i - 1}] ends (${windows[i - 1].end}): windows must join`;
    if (window.start !== OPEN && window.end !== OPEN && instantMicros(window.start)! >= instantMicros(window.end)!) {
      return `${at}: starts (${window.start}) at or after it ends (${window.end})`;
    }
  }
  return undefined;
}

/** The window's search interval within the configured one (the later start, the earlier end). */
function intersect(start: string, end: string, window: PlanWindow): string | undefined {
  const later = (a: string, b: string) => (a === OPEN ? b : b === OPEN ? a : instantMicros(a)! >= instantMicros(b)! ? a : b);
  const earlier = (a: string, b: string) => (a === OPEN ? b : b === OPEN ? a : instantMicros(a)! <= instantMicros(b)! ? a : b);
  const from = later(start, window.start);
  const to = earlier(end, window.end);
  return from === OPEN && to === OPEN ? undefined : `${from}/${to}`;
}

/** The pipeline with `source.stac_search.datetime` replaced (removed when both ends are open). */
function narrowSearch(pipeline: LoadedPipeline, datetime: string | undefined): LoadedPipeline {
  const { datetime: _configured, ...options } = pipeline.source.options as Record<string, unknown>;
  const narrowed = deepFreeze(datetime === undefined ? options : { ...options, datetime });
  return Object.freeze({ ...pipeline, source: Object.freeze({ ...pipeline.source, options: narrowed }) });
}

/**
 * Keeps the items that start in the window: `datetime`, or `start_datetime` when it is null, in [start, end).
 * The window's search is closed at its end (the STAC API's intervals are) and overlaps intervals, so an item
 * at the end instant, or lasting into the next window, comes to both searches: only the window of its start
 * keeps it. The first window keeps everything before it and the last everything after (an item whose
 * interval began before the configured datetime is still the search's), and an item with no readable time
 * belongs to the first window, so that every item the whole search returns is kept exactly once.
 */
function windowSelection(plan: DatetimePlan, window: PlanWindow, spec: ShardSpec, file: string): ShardSelection {
  const first = window.index === 0;
  const last = window.index === plan.windows.length - 1;
  const from = first || window.start === OPEN ? -Infinity : instantMicros(window.start)!;
  const to = last || window.end === OPEN ? Infinity : instantMicros(window.end)!;
  const describe = `items starting in [${first ? OPEN : window.start}, ${last ? OPEN : window.end})${first ? ', and those without a readable datetime' : ''} (window ${window.index} of ${plan.windows.length}, ~${window.expected} items planned)`;
  return {
    spec,
    strategy: 'datetime',
    plan: file,
    describe,
    keeps: (entry) => {
      const at = itemStartMicros(entry.item);
      if (at === undefined) return first;
      return at >= from && at < to;
    },
  };
}

/** The windows of a plan from its cuts: `start`..`end` configured (or open), cut instants in between. */
export function windowsOf(start: string, end: string, cuts: ReadonlyArray<{ at: number; matched: number }>, total: number): PlanWindow[] {
  const bounds = [start, ...cuts.map((cut) => formatMicros(cut.at)), end];
  const counts = [0, ...cuts.map((cut) => cut.matched), total];
  return bounds.slice(1).map((boundEnd, i) => ({ index: i, start: bounds[i], end: boundEnd, expected: counts[i + 1] - counts[i] }));
}
