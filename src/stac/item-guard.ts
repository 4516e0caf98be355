import type { Entry, Failure, StacItem } from '../entry.js';
import type { StageContext } from '../engine/stage.js';

/**
 * A STAC item needs a few levels of nesting (properties → a list → a value; a polygon's coordinates are four
 * deep). Items nested deeper than this are refused: they are no STAC item, and every recursive reader met
 * downstream (JSON.stringify in the CSV writer, structured clone) would overflow its stack on them.
 */
export const MAX_ITEM_DEPTH = 64;

/** Path segments shown at most in a message about depth (the rest is `…`). */
const SHOWN_SEGMENTS = 6;

/**
 * The entry of an item from a source: the item as it came, or, when it cannot flow through a pipeline (see
 * itemProblem), an entry failed with ERR_ITEM_INVALID whose item keeps only `id` and `collection` (enough
 * for a catalog row and the report), so that no later stage or writer ever meets what was wrong with it.
 * The failure is counted in the stats under the source's label and logged; the run goes on.
 */
export function sourceEntry(item: StacItem, ctx: StageContext): Entry {
  const problem = itemProblem(item);
  if (problem === undefined) return { item, fields: {}, files: {}, failures: [] };
  const stub: StacItem = { type: 'Feature', id: item.id, geometry: null, properties: {}, assets: {} };
  if (typeof item.collection === 'string') stub.collection = item.collection;
  const failure: Failure = { stage: ctx.label, code: 'ERR_ITEM_INVALID', message: `item ${item.id}: ${problem}` };
  ctx.stats.failed(ctx.label, { ...failure, item: stub.id, collection: stub.collection });
  ctx.log.warn({ item: stub.id, ...failure }, failure.message);
  return { item: stub, fields: {}, files: {}, failures: [failure] };
}

/**
 * What makes `item` unfit to flow through a pipeline, or undefined. Today: nesting deeper than
 * `maxDepth`. Walked without recursion (an explicit stack), so a 100,000-deep item costs its size, not the
 * stack. Prototype keys (`__proto__`, `constructor`) are no problem: JSON.parse makes them own data
 * properties, and stacflow copies and reads items with spreads and `Object.hasOwn`, never assignment.
 */
export function itemProblem(item: unknown, maxDepth = MAX_ITEM_DEPTH): string | undefined {
  if (item === null || typeof item !== 'object') return 'not a JSON object';
  if (!nestsDeeperThan(item, maxDepth)) return undefined;
  return `nested deeper than ${maxDepth} levels at ${deepPath(item, maxDepth)} (a STAC item needs a few; the item is refused)`;
}

/**
 * Whether containers nest deeper than `maxDepth` (the item is level 1). Runs on every item, so it allocates
 * nothing per value (about 5 µs for a Kaguya item of ~1,000 values): two stacks, arrays by index.
 */
function nestsDeeperThan(root: object, maxDepth: number): boolean {
  const values: object[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop() as object;
    const next = (depths.pop() as number) + 1;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) {
        const child: unknown = value[i];
        if (child === null || typeof child !== 'object') continue;
        if (next > maxDepth) return true;
        values.push(child);
        depths.push(next);
      }
    } else {
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const child: unknown = (value as Record<string, unknown>)[key];
        if (child === null || typeof child !== 'object') continue;
        if (next > maxDepth) return true;
        values.push(child);
        depths.push(next);
      }
    }
  }
  return false;
}

/** The path to the first container deeper than `maxDepth` (only for the message: walked again, with names). */
function deepPath(item: object, maxDepth: number): string {
  const values: object[] = [item];
  const depths: number[] = [1];
  const parents: number[] = [-1];
  const keys: Array<string | number> = [''];
  const pending: number[] = [0];
  while (pending.length > 0) {
    const at = pending.pop() as number;
    const value = values[at];
    const children: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of children) {
      if (child === null || typeof child !== 'object') continue;
      const index = values.length;
      values.push(child);
      depths.push(depths[at] + 1);
      parents.push(at);
      keys.push(key);
      if (depths[index] > maxDepth) return pathOf(index, parents, keys);
      pending.push(index);
    }
  }
  return '(unknown)';
}

/** `properties.deep[0][0]…[0]` (the first segments, then the last one). */
function pathOf(index: number, parents: readonly number[], keys: ReadonlyArray<string | number>): string {
  const segments: Array<string | number> = [];
  for (let at = index; at > 0; at = parents[at]) segments.push(keys[at]);
  segments.reverse();
  const text = (segment: string | number, i: number): string =>
    typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : /^[A-Za-z_$][\w$:-]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  const shown = segments.length > SHOWN_SEGMENTS + 1 ? [...segments.slice(0, SHOWN_SEGMENTS).map(text), '…', text(segments.at(-1)!, 1)] : segments.map(text);
  return shown.join('');
}
