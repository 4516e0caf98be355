import type { Entry } from '../entry.js';
import { didYouMean } from '../util/did-you-mean.js';
import { compileFieldPath, formatSegments, parseFieldPath, type FieldReader, type PathSegment } from './field-path.js';

/**
 * Which field paths a run never found (issue: a misspelled `incidence_angel < 80` passed, gave 0 rows, exit 0,
 * no word). Each path is watched until one entry has it (a value, null included: ISIS writes NULL); a path
 * no entry ever had is reported at the end of the run with the closest name that did exist where it stopped
 * (`caminfo.Caminfo.Geometry.IncidenceAngel`: the keys of `Geometry`). Once seen, a path costs nothing more;
 * names are gathered from the first SAMPLE entries only.
 */
const SAMPLE = 1000;
/** Item members a path may start with (field-path.ts reads them before properties). */
const ITEM_MEMBERS = ['id', 'collection', 'bbox', 'geometry', 'assets', 'properties', 'links'];

export interface NeverPresent {
  readonly path: string;
  /** The closest name that was there, as a corrected path. */
  readonly suggestion?: string;
}

interface Watched {
  readonly text: string;
  readonly segments: readonly PathSegment[];
  readonly read: FieldReader;
  /** Readers of the path's first 1, 2, … segments: where it stops in an entry (compiled once). */
  readonly prefixes: readonly FieldReader[];
  seen: boolean;
  /** The deepest level the path reached, and the names found there. */
  depth: number;
  names: Set<string>;
}

export class FieldWatch {
  private readonly watched: Watched[];
  private unseen: number;
  private sampled = 0;

  constructor(paths: Iterable<string>) {
    this.watched = [...new Set(paths)].map((text) => {
      const parsed = parseFieldPath(text);
      const prefixes = parsed.segments.map((_, i) => compileFieldPath(formatSegments(parsed.segments.slice(0, i + 1))));
      return { text, segments: parsed.segments, read: compileFieldPath(parsed), prefixes, seen: false, depth: -1, names: new Set<string>() };
    });
    this.unseen = this.watched.length;
  }

  /** Looks at an entry that reached the stage (not one that failed earlier: it may lack what others have). */
  see(entry: Entry): void {
    if (this.unseen === 0) return;
    const sampling = this.sampled < SAMPLE;
    this.sampled += 1;
    for (const w of this.watched) {
      if (w.seen) continue;
      if (w.read(entry) !== undefined) {
        w.seen = true;
        this.unseen -= 1;
      } else if (sampling) gather(w, entry);
    }
  }

  /** The paths no entry had, each with a suggestion when a close name existed where it stopped. */
  neverPresent(): NeverPresent[] {
    if (this.sampled === 0) return []; // no entry reached the stage: nothing can be said
    return this.watched
      .filter((w) => !w.seen)
      .map((w) => {
        const segment = w.segments[w.depth];
        const wrong = segment !== undefined && 'key' in segment ? segment.key : undefined;
        const best = wrong === undefined ? undefined : didYouMean(wrong, w.names);
        if (best === undefined) return { path: w.text };
        return { path: w.text, suggestion: formatSegments(w.segments.map((s, i) => (i === w.depth ? { key: best } : s))) };
      });
  }
}

/** The names at the level where `w`'s path stops in `entry`, kept when that level is the deepest seen. */
function gather(w: Watched, entry: Entry): void {
  const { depth, names } = stopOf(w.prefixes, entry);
  if (depth < w.depth) return;
  if (depth > w.depth) {
    w.depth = depth;
    w.names = new Set();
  }
  for (const name of names) if (w.names.size < 500) w.names.add(name);
}

/** How deep the path's prefixes read in `entry`, and the names at the level where it stops. */
function stopOf(prefixes: readonly FieldReader[], entry: Entry): { depth: number; names: string[] } {
  let value: unknown = undefined;
  for (let depth = 0; depth < prefixes.length; depth += 1) {
    const next = prefixes[depth](entry);
    if (next === undefined) return { depth, names: depth === 0 ? headNames(entry) : namesIn(value) };
    value = next;
  }
  return { depth: prefixes.length, names: namesIn(value) };
}

/** The names a path may start with in `entry`: its fields, the item's members, its properties. */
function headNames(entry: Entry): string[] {
  return [...Object.keys(entry.fields), ...ITEM_MEMBERS, ...Object.keys(entry.item.properties ?? {})];
}

/** The names one level down: an object's keys, a PVL block's statement names. */
function namesIn(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  const statements = (value as { statements?: unknown }).statements;
  if (Array.isArray(statements)) return statements.map((s: { name?: unknown }) => s.name).filter((n): n is string => typeof n === 'string');
  if (Array.isArray(value) || value instanceof Map) return [];
  return Object.keys(value);
}

/** Says, through `ctx.warn`, each watched path no entry had: the log and the run report's `warnings`. */
export function warnNeverPresent(watch: FieldWatch, ctx: { warn(code: string, message: string, details?: Record<string, unknown>): void }): void {
  for (const { path, suggestion } of watch.neverPresent()) {
    ctx.warn('W_FIELD_NEVER_PRESENT', `field ${path} never present in this run${suggestion ? `; did you mean ${suggestion}?` : ''}`, { path, ...(suggestion && { suggestion }) });
  }
}
