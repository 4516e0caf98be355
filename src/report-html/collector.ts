import type { Entry } from '../entry.js';
import type { RunWatcher } from '../engine/run.js';
import { footprintOf, type FootprintRings } from './footprint.js';
import { histogramOf, type Histogram } from './histogram.js';
import { OUTCOMES, type Outcome } from './outcome.js';
import { seededRandom } from '../util/seeded-random.js';

/** One footprint the map draws. */
export interface MapShape {
  id: string;
  collection?: string;
  outcome: Outcome;
  /** The step that dropped or failed the item. */
  stage?: string;
  rings: FootprintRings;
}

/** What the collector hands the renderer after the run. */
export interface CollectedRun {
  counts: Record<Outcome, number>;
  shapes: MapShape[];
  /** Items seen with a footprint that the map leaves out (over `maxShapes`). */
  shapesNotDrawn: number;
  /** Items with neither a polygon nor a bbox. */
  withoutFootprint: number;
  histograms: Histogram[];
  /** Selected fields no item had a number for (a date, a string): no histogram. */
  notNumericFields: string[];
}

export interface CollectorOptions {
  /** The names the pipeline `select`s: each numeric one gets a histogram. */
  fields: readonly string[];
  /** Footprints drawn at most (a uniform sample of the run beyond that). Default 20,000. */
  maxShapes?: number;
  /** Vertices a footprint keeps at most. Default 64. */
  maxVertices?: number;
}

export const DEFAULT_MAX_SHAPES = 20_000;
export const DEFAULT_MAX_VERTICES = 64;

/**
 * The HTML report's watcher of a run (RunOptions.watch): keeps per item only what the page shows, its
 * outcome (1 byte) and the selected numbers (8 bytes a field), and a bounded sample of simplified footprints:
 * memory stays small however long the run. The sample is a reservoir (every item equally likely to be
 * drawn), from a fixed seed so two runs of the same items draw the same map.
 */
export class HtmlReportCollector implements RunWatcher {
  private readonly fields: readonly string[];
  private readonly maxShapes: number;
  private readonly maxVertices: number;
  private readonly counts: Record<Outcome, number> = { kept: 0, filtered: 0, failed: 0 };
  private outcomes = new Uint8Array(1024);
  private values: Float64Array[];
  private readonly missing: number[];
  private readonly notNumeric: number[];
  private items = 0;
  private readonly shapes: MapShape[] = [];
  private withFootprint = 0;
  private withoutFootprint = 0;
  private readonly random = seededRandom(0x5eed);

  constructor(options: CollectorOptions) {
    this.fields = [...new Set(options.fields)];
    this.maxShapes = options.maxShapes ?? DEFAULT_MAX_SHAPES;
    this.maxVertices = options.maxVertices ?? DEFAULT_MAX_VERTICES;
    this.values = this.fields.map(() => new Float64Array(1024));
    this.missing = this.fields.map(() => 0);
    this.notNumeric = this.fields.map(() => 0);
  }

  written(entry: Entry): void {
    this.see(entry, entry.failures.length > 0 ? 'failed' : 'kept', entry.failures[0]?.stage);
  }

  dropped(entry: Entry, stage: string): void {
    this.see(entry, entry.failures.length > 0 ? 'failed' : 'filtered', stage);
  }

  collected(): CollectedRun {
    const outcomes = this.outcomes.subarray(0, this.items);
    const histograms: Histogram[] = [];
    const notNumericFields: string[] = [];
    this.fields.forEach((field, f) => {
      const histogram = histogramOf(field, this.values[f].subarray(0, this.items), outcomes, { missing: this.missing[f], notNumeric: this.notNumeric[f] });
      if (histogram) histograms.push(histogram);
      else if (this.notNumeric[f] > 0) notNumericFields.push(field);
    });
    return {
      counts: { ...this.counts },
      shapes: [...this.shapes],
      shapesNotDrawn: this.withFootprint - this.shapes.length,
      withoutFootprint: this.withoutFootprint,
      histograms,
      notNumericFields,
    };
  }

  private see(entry: Entry, outcome: Outcome, stage: string | undefined): void {
    this.counts[outcome] += 1;
    const i = this.items++;
    if (i === this.outcomes.length) this.grow();
    this.outcomes[i] = OUTCOMES.indexOf(outcome);
    this.fields.forEach((field, f) => {
      const value = entry.fields[field];
      if (typeof value === 'number' && Number.isFinite(value)) this.values[f][i] = value;
      else {
        this.values[f][i] = Number.NaN;
        if (value === null || value === undefined) this.missing[f] += 1;
        else this.notNumeric[f] += 1;
      }
    });
    this.sample(entry, outcome, stage);
  }

  /** Reservoir sampling (Algorithm R): decide first, simplify only the footprints kept. */
  private sample(entry: Entry, outcome: Outcome, stage: string | undefined): void {
    const { item } = entry;
    const seen = this.withFootprint;
    const slot = seen < this.maxShapes ? seen : Math.floor(this.random() * (seen + 1));
    if (slot >= this.maxShapes) {
      // Not drawn, but still counted as an item with a footprint when it has one.
      if (hasShape(item.geometry, item.bbox)) this.withFootprint += 1;
      else this.withoutFootprint += 1;
      return;
    }
    const rings = footprintOf(item.geometry, item.bbox, this.maxVertices);
    if (!rings) {
      this.withoutFootprint += 1;
      return;
    }
    this.withFootprint += 1;
    const shape: MapShape = { id: String(item.id), outcome, rings, ...(item.collection !== undefined ? { collection: String(item.collection) } : {}), ...(stage !== undefined && outcome !== 'kept' ? { stage } : {}) };
    if (slot === this.shapes.length) this.shapes.push(shape);
    else this.shapes[slot] = shape;
  }

  private grow(): void {
    const size = this.outcomes.length * 2;
    const outcomes = new Uint8Array(size);
    outcomes.set(this.outcomes);
    this.outcomes = outcomes;
    this.values = this.values.map((old) => {
      const values = new Float64Array(size);
      values.set(old);
      return values;
    });
  }
}

/** Whether footprintOf would find a shape, without building it (cheap, for the items the sample skips). */
function hasShape(geometry: unknown, bbox: unknown): boolean {
  const type = (geometry as { type?: unknown } | null)?.type;
  return ((type === 'Polygon' || type === 'MultiPolygon') && Array.isArray((geometry as { coordinates?: unknown }).coordinates)) || (Array.isArray(bbox) && (bbox.length === 4 || bbox.length === 6));
}
