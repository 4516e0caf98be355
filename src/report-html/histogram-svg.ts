import { esc } from './escape.js';
import { count, decimal } from './format.js';
import type { Histogram } from './histogram.js';
import { OUTCOME_LABELS, OUTCOMES } from './outcome.js';

const [WIDTH, HEIGHT] = [480, 200];
const [LEFT, BOTTOM, TOP] = [44, 34, 8];

/**
 * One field's histogram: a bar a bin, stacked kept / filtered out / failed (so a filter on the field shows as
 * where the colours change), each bar part with a `<title>` giving its bin and counts.
 */
export function histogramSvg(histogram: Histogram): string {
  const { bins, start, width } = histogram;
  const tallest = Math.max(1, ...bins.map((bin) => OUTCOMES.reduce((sum, o) => sum + bin[o], 0)));
  const plotWidth = WIDTH - LEFT - 8;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const barWidth = plotWidth / bins.length;
  const scale = plotHeight / tallest;
  const bars: string[] = [];
  bins.forEach((bin, i) => {
    const range = `${decimal(start + i * width)} to ${decimal(start + (i + 1) * width)}`;
    const detail = OUTCOMES.map((o) => `${count(bin[o])} ${OUTCOME_LABELS[o]}`).join(', ');
    let base = TOP + plotHeight;
    for (const outcome of OUTCOMES) {
      if (bin[outcome] === 0) continue;
      const h = bin[outcome] * scale;
      base -= h;
      bars.push(`<rect class="o-${outcome}" x="${r(LEFT + i * barWidth + 0.5)}" y="${r(base)}" width="${r(Math.max(0.5, barWidth - 1))}" height="${r(h)}"><title>${esc(histogram.field)} ${range}: ${detail}</title></rect>`);
    }
  });
  const ticks: string[] = [];
  const every = Math.max(1, Math.ceil(bins.length / 6));
  for (let i = 0; i <= bins.length; i += every) {
    const at = r(LEFT + i * barWidth);
    ticks.push(`<line class="grid" x1="${at}" y1="${TOP + plotHeight}" x2="${at}" y2="${TOP + plotHeight + 4}"/><text class="tick" x="${at}" y="${TOP + plotHeight + 16}" text-anchor="middle">${decimal(start + i * width)}</text>`);
  }
  ticks.push(`<text class="tick" x="${LEFT - 6}" y="${TOP + 8}" text-anchor="end">${count(tallest)}</text><text class="tick" x="${LEFT - 6}" y="${TOP + plotHeight}" text-anchor="end">0</text>`);
  return [
    `<svg class="histogram" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="histogram of ${esc(histogram.field)}" font-size="11">`,
    `<line class="axis" x1="${LEFT}" y1="${TOP + plotHeight}" x2="${LEFT + plotWidth}" y2="${TOP + plotHeight}"/>`,
    ...bars,
    ...ticks,
    `<text class="axis-title" x="${LEFT + plotWidth / 2}" y="${HEIGHT - 2}" text-anchor="middle">${esc(histogram.field)}</text>`,
    '</svg>',
  ].join('\n');
}

const r = (x: number): number => Math.round(x * 10) / 10;
