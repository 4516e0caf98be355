import type { MapShape } from './collector.js';
import { esc } from './escape.js';
import { count, degrees } from './format.js';
import { OUTCOME_LABELS, OUTCOMES } from './outcome.js';

/** Plot units across the longer side of the data's extent: coordinates print as integers (1/10,000 of it). */
const PLOT_UNITS = 10_000;

interface Extent {
  west: number;
  south: number;
  east: number;
  north: number;
}

/**
 * The footprints as a plain lon/lat plot (one degree of longitude as long as one of latitude: the Moon and
 * Mars need no basemap), framed on the data, with a graticule. One `path.fp` per item, grouped by outcome:
 * filtered out below, kept above, failed on top; each with a `<title>` (the item, its collection, how it ended).
 */
export function mapSvg(shapes: readonly MapShape[]): string {
  const extent = extentOf(shapes);
  if (!extent) return '<p class="empty">No item had a footprint (a polygon or a bbox).</p>';
  const span = Math.max(extent.east - extent.west, extent.north - extent.south);
  const k = PLOT_UNITS / span;
  const x = (lon: number) => Math.round((lon - extent.west) * k);
  const y = (lat: number) => Math.round((extent.north - lat) * k);
  const width = x(extent.east);
  const height = y(extent.south);
  const font = Math.round(PLOT_UNITS * 0.02);
  const [left, bottom, top, right] = [font * 5, font * 3.2, font, font * 2];

  const groups = ['filtered', 'kept', 'failed'].map((outcome) => {
    const paths = shapes.filter((shape) => shape.outcome === outcome).map((shape) => shapePath(shape, x, y));
    return `<g class="o-${outcome}">${paths.join('')}</g>`;
  });
  return [
    `<svg id="map" class="map" viewBox="${-left} ${-top} ${width + left + right} ${height + top + bottom}" role="img" aria-label="footprints, longitude and latitude" font-size="${font}">`,
    `<rect class="frame" x="0" y="0" width="${width}" height="${height}"/>`,
    graticule(extent, x, y, width, height, font),
    ...groups,
    `<text class="axis-title" x="${width / 2}" y="${height + font * 2.8}" text-anchor="middle">longitude</text>`,
    `<text class="axis-title" transform="translate(${-font * 4.2} ${height / 2}) rotate(-90)" text-anchor="middle">latitude</text>`,
    '</svg>',
  ].join('\n');
}

/** The legend: one toggle an outcome (the page's script hides or shows that group), with its count. */
export function mapLegend(counts: Readonly<Record<(typeof OUTCOMES)[number], number>>): string {
  const buttons = OUTCOMES.map(
    (outcome) => `<button type="button" class="legend-item" data-toggle="${outcome}" aria-pressed="true"><span class="swatch o-${outcome}"></span>${OUTCOME_LABELS[outcome]} <span class="n">${count(counts[outcome])}</span></button>`,
  );
  return `<div class="legend">${buttons.join('')}</div>`;
}

function shapePath(shape: MapShape, x: (lon: number) => number, y: (lat: number) => number): string {
  const d = shape.rings.map((ring) => ringPath(ring, x, y)).join('');
  const how = shape.outcome === 'kept' ? 'kept' : `${OUTCOME_LABELS[shape.outcome]}${shape.stage !== undefined ? ` at ${shape.stage}` : ''}`;
  const title = [shape.id, shape.collection, how].filter((part) => part !== undefined).join(' · ');
  return `<path class="fp" d="${d}"><title>${esc(title)}</title></path>`;
}

/**
 * A ring in plot units, relative moves after the first (`M x y l dx dy …z`), leaving out vertices nearer
 * than MIN_STEP to the last one drawn: on a map of thousands of small footprints a 64-vertex outline costs
 * the page what it shows, no more. A ring that would lose its area that way keeps its distinct vertices.
 */
function ringPath(ring: Float32Array, x: (lon: number) => number, y: (lat: number) => number): string {
  const distinct: Array<[number, number]> = [];
  for (let i = 0; i < ring.length; i += 2) {
    const point: [number, number] = [x(ring[i]), y(ring[i + 1])];
    const last = distinct[distinct.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) distinct.push(point);
  }
  const spaced = thinByStep(distinct);
  const points = spaced.length >= 3 ? spaced : distinct;
  const [first, ...rest] = points;
  const moves: number[] = [];
  let [px, py] = first;
  for (const [qx, qy] of rest) {
    moves.push(qx - px, qy - py);
    [px, py] = [qx, qy];
  }
  return `M${first[0]} ${first[1]}${moves.length > 0 ? `l${moves.join(' ')}` : ''}z`;
}

/** How far (plot units, Manhattan) a drawn vertex is from the last one at least: about half a pixel on a 1,200-pixel map. */
const MIN_STEP = 5;

function thinByStep(points: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const kept: Array<[number, number]> = [];
  for (const point of points) {
    const last = kept[kept.length - 1];
    if (!last || Math.abs(point[0] - last[0]) + Math.abs(point[1] - last[1]) >= MIN_STEP) kept.push(point);
  }
  return kept;
}

function extentOf(shapes: readonly MapShape[]): Extent | undefined {
  let [west, south, east, north] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const { rings } of shapes) {
    for (const ring of rings) {
      for (let i = 0; i < ring.length; i += 2) {
        if (ring[i] < west) west = ring[i];
        if (ring[i] > east) east = ring[i];
        if (ring[i + 1] < south) south = ring[i + 1];
        if (ring[i + 1] > north) north = ring[i + 1];
      }
    }
  }
  if (!Number.isFinite(west)) return undefined;
  // A margin of 4% of the longer side (at least a hundredth of a degree: one point still gets a frame).
  const pad = Math.max(0.01, Math.max(east - west, north - south) * 0.04);
  return { west: west - pad, south: south - pad, east: east + pad, north: north + pad };
}

function graticule(extent: Extent, x: (lon: number) => number, y: (lat: number) => number, width: number, height: number, font: number): string {
  const lines: string[] = [];
  const lonStep = tickStep(extent.east - extent.west);
  for (let lon = Math.ceil(extent.west / lonStep) * lonStep; lon <= extent.east; lon += lonStep) {
    const at = x(lon);
    lines.push(`<line class="grid" x1="${at}" y1="0" x2="${at}" y2="${height}"/><text class="tick" x="${at}" y="${height + font * 1.3}" text-anchor="middle">${degrees(lon)}</text>`);
  }
  const latStep = tickStep(extent.north - extent.south);
  for (let lat = Math.ceil(extent.south / latStep) * latStep; lat <= extent.north; lat += latStep) {
    const at = y(lat);
    lines.push(`<line class="grid" x1="0" y1="${at}" x2="${width}" y2="${at}"/><text class="tick" x="${-font * 0.5}" y="${at + font * 0.35}" text-anchor="end">${degrees(lat)}</text>`);
  }
  return `<g class="graticule">${lines.join('')}</g>`;
}

/** About 6 lines over `span` degrees: 1, 2 or 5 × 10ⁿ, and on a large extent 10, 15, 30, 45, 60 or 90. */
function tickStep(span: number): number {
  const raw = span / 6;
  if (raw > 5) return [10, 15, 30, 45, 60, 90].find((step) => step >= raw) ?? 90;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? 10 * power;
}
