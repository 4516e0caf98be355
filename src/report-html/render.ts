import type { RunReport } from '../engine/report.js';
import type { CollectedRun } from './collector.js';
import { esc } from './escape.js';
import { bytes, count, decimal, seconds } from './format.js';
import { histogramSvg } from './histogram-svg.js';
import { mapLegend, mapSvg } from './map-svg.js';
import { CONTENT_SECURITY_POLICY, SCRIPT, STYLE } from './page-assets.js';

/** What the page shows: the JSON run report, and what the collector kept of each item. */
export interface HtmlReportData {
  report: RunReport;
  run: CollectedRun;
  /** Failures listed at most; default 10,000, as many as the run keeps for the JSON report (RunStats). */
  maxFailureRows?: number;
}

export const DEFAULT_MAX_FAILURE_ROWS = 10_000;

/**
 * The run report as one self-contained HTML page: summary, map of the footprints, histograms of the selected
 * numbers, stages with counts and timings, failures, warnings. Pure: the same data gives the same page. Every
 * string that came from a server or the data is escaped (escape.ts).
 */
export function renderHtmlReport(data: HtmlReportData): string {
  const { report, run } = data;
  const title = `${report.pipeline.name} — stacflow run report`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    summarySection(report, run),
    mapSection(run),
    histogramSection(run),
    stagesSection(report),
    failuresSection(report, data.maxFailureRows ?? DEFAULT_MAX_FAILURE_ROWS),
    warningsSection(report),
    `<footer>stacflow ${esc(report.stacflow)} · ${esc(report.pipeline.file)} · report written ${esc(report.ended_at)}</footer>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function summarySection(report: RunReport, run: CollectedRun): string {
  const cards: Array<[string, number]> = [
    ['items', report.items.total],
    ['kept', run.counts.kept],
    ['filtered out', run.counts.filtered],
    ['failed', run.counts.failed],
    ['written', report.items.written],
  ];
  const outputs = Object.entries(report.outputs).map(([label, output]) => `<li><b>${esc(label)}</b>: ${esc(output.path)} (${count(output.rows)} rows)</li>`);
  return [
    `<h1>${esc(report.pipeline.name)} <span class="status ${esc(report.status)}">${esc(report.status.replaceAll('_', ' '))}</span></h1>`,
    `<div class="sub">${esc(report.pipeline.file)} · started ${esc(report.started_at)} · ${seconds(report.duration_s)} · exit ${esc(report.exit_code)}</div>`,
    `<div class="cards">${cards.map(([name, n]) => `<div class="card"><span class="n">${count(n)}</span>${name}</div>`).join('')}</div>`,
    report.error ? `<p class="error"><b>${esc(report.error.code)}</b>: ${esc(report.error.message)}</p>` : '',
    outputs.length > 0 ? `<ul class="outputs">${outputs.join('')}</ul>` : '',
  ].join('\n');
}

function mapSection(run: CollectedRun): string {
  const drawn = run.shapes.length;
  const notes: string[] = [];
  if (run.shapesNotDrawn > 0) notes.push(`${count(drawn)} of ${count(drawn + run.shapesNotDrawn)} footprints drawn, a uniform sample of the run; the counts, histograms and tables hold every item.`);
  if (run.withoutFootprint > 0) notes.push(`${count(run.withoutFootprint)} items had no footprint (no polygon, no bbox).`);
  return [
    '<h2>Footprints</h2>',
    drawn > 0 ? mapLegend(run.counts) : '',
    mapSvg(run.shapes),
    ...notes.map((note) => `<p class="note">${note}</p>`),
  ].join('\n');
}

function histogramSection(run: CollectedRun): string {
  if (run.histograms.length === 0) return `<h2>Selected values</h2>\n<p class="empty">No numeric value was selected (a <code>select</code> step names them).</p>`;
  const figures = run.histograms.map((h) => {
    const gaps = [h.missing > 0 ? `${count(h.missing)} without a value` : '', h.notNumeric > 0 ? `${count(h.notNumeric)} not a number` : ''].filter(Boolean).join(', ');
    return [
      '<figure>',
      `<figcaption>${esc(h.field)} <span class="note">${count(h.counted)} items, ${decimal(h.min)} to ${decimal(h.max)}${gaps ? `; ${gaps}` : ''}</span></figcaption>`,
      histogramSvg(h),
      '</figure>',
    ].join('\n');
  });
  const skipped = run.notNumericFields.length > 0 ? `<p class="note">Not numbers, no histogram: ${run.notNumericFields.map(esc).join(', ')}.</p>` : '';
  return ['<h2>Selected values</h2>', `<div class="histograms">${figures.join('\n')}</div>`, skipped].join('\n');
}

function stagesSection(report: RunReport): string {
  const longest = Math.max(0, ...report.stages.map((s) => s.duration_s ?? 0));
  const rows = report.stages.map((stage) => {
    const bar = stage.duration_s !== null && longest > 0 ? `<svg class="bar" viewBox="0 0 100 10" aria-hidden="true"><rect width="${Math.max(0.5, Math.round((stage.duration_s / longest) * 1000) / 10)}" height="10"/></svg>` : '';
    const cells = [stage.in, stage.out, stage.dropped, stage.failed].map((n) => `<td class="num">${count(n)}</td>`).join('');
    return `<tr><td>${esc(stage.label)}</td><td>${esc(stage.kind)}</td>${cells}<td class="time">${bar}${seconds(stage.duration_s)}</td><td class="counters">${counters(stage.counters)}</td></tr>`;
  });
  return [
    '<h2>Stages</h2>',
    '<table class="stages"><thead><tr><th>stage</th><th>kind</th><th class="num">in</th><th class="num">out</th><th class="num">dropped</th><th class="num">failed</th><th>time</th><th>counters</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table>`,
  ].join('\n');
}

function counters(values: Readonly<Record<string, number>>): string {
  return Object.entries(values)
    .map(([name, n]) => `${esc(name)} ${/bytes$/.test(name) ? bytes(n) : count(n)}`)
    .join(' · ');
}

function failuresSection(report: RunReport, maxRows: number): string {
  const listed = report.failures.slice(0, maxRows);
  const notShown = report.failures.length - listed.length + report.failures_not_listed;
  if (report.failures.length === 0 && report.failures_not_listed === 0) return '<h2>Failures</h2>\n<p class="empty">No item failed.</p>';
  const rows = listed.map(
    (f) =>
      `<tr><td class="item">${esc(f.item)}</td><td>${esc(f.collection ?? '')}</td><td>${esc(f.stage)}</td><td>${esc(f.code)}${f.status !== undefined ? ` (${esc(f.status)})` : ''}</td><td class="href">${esc(f.href ?? '')}</td><td class="message">${esc(f.message)}</td></tr>`,
  );
  return [
    `<h2>Failures <span class="note">${count(report.items.failed)} ${report.items.failed === 1 ? 'item' : 'items'}</span></h2>`,
    '<table class="failures"><thead><tr><th>item</th><th>collection</th><th>stage</th><th>code</th><th>href</th><th>reason</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table>`,
    notShown > 0 ? `<p class="note">${count(notShown)} more failures are not listed here${report.failures_not_listed > 0 ? ` (${count(report.failures_not_listed)} not kept by the run either)` : '; the JSON report lists them'}.</p>` : '',
  ].join('\n');
}

function warningsSection(report: RunReport): string {
  if (report.warnings.length === 0) return '';
  const items = report.warnings.map((w) => `<li><b>${esc(w.stage)}</b> ${esc(w.code)}: ${esc(w.message)}</li>`);
  return ['<h2>Warnings</h2>', `<ul class="warnings">${items.join('')}</ul>`].join('\n');
}
