import path from 'node:path';
import { pino } from 'pino';
import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import type { StacItem } from '../../src/entry.js';
import { runPipeline } from '../../src/engine/run.js';
import { htmlReportFor } from '../../src/report-html/index.js';
import { tempDir, writeNdjson } from '../catalog/catalog-run.js';
import { startLabelServer, type LabelServer } from '../labels/label-server.js';

// A small real run (items from a file, labels from a loopback HTTP server, select, filter) rendered as the page:
// the counts it shows, one footprint an item, and every string that came from the data or a server escaped.

const HOSTILE_ID = `x"><script>document.title='pwned'</script><img src=x onerror=alert(1)>`;
const HOSTILE_COLLECTION = `c'<b>&amp;`;
const ANGLES: Array<[id: string, angle: number | null]> = [
  ['kept-1', 12.5],
  ['kept-2', 30],
  [HOSTILE_ID, 44],
  ['dim-1', 70],
  ['dim-2', 85],
  ['no-angle', null], // NULL in the label: no number, and no comparison matches it
  ['lost', 0], // its label answers 404: failed
];

const label = (angle: number | null) => `Object = Caminfo\n  Group = Geometry\n    IncidenceAngle = ${angle ?? 'NULL'}\n  End_Group\nEnd_Object\nEnd\n`;

function item(id: string, i: number, labels: LabelServer): StacItem {
  const [w, s] = [3 + i * 0.3, 4 + i * 0.2];
  return {
    type: 'Feature',
    id,
    collection: HOSTILE_COLLECTION,
    geometry: { type: 'Polygon', coordinates: [[[w, s], [w + 1, s], [w + 1, s + 0.8], [w, s + 0.8], [w, s]]] },
    properties: { datetime: '2008-01-01T00:00:00Z', gsd: 10 + i },
    assets: { caminfo_pvl: { href: `${labels.url}labels/${encodeURIComponent(id)}.pvl?q="<i>"` } },
  };
}

let labels: LabelServer;
let html: string;
let report: Awaited<ReturnType<typeof runPipeline>>['report'];
beforeAll(async () => {
  labels = await startLabelServer();
  ANGLES.forEach(([id, angle]) => {
    if (id !== 'lost') labels.put(`/labels/${encodeURIComponent(id)}.pvl`, label(angle));
  });
  const dir = await tempDir('report-html');
  const items = await writeNdjson(path.join(dir, 'items.ndjson'), ANGLES.map(([id], i) => item(id, i, labels)));
  const yaml = [
    'name: small',
    `source: { items: { path: "${items}" } }`,
    'steps:',
    '  - fetch_label: { asset: caminfo_pvl, as: caminfo }',
    '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle, gsd: gsd, start: datetime }',
    '  - filter: "incidence_angle < 50"',
    `outputs: [ { ndjson: { path: "${path.join(dir, 'out.ndjson')}" } } ]`,
    '',
  ].join('\n');
  const plan = parsePipeline(yaml, path.join(dir, 'small.yaml'), STAGES, {});
  const page = htmlReportFor(plan);
  const result = await runPipeline(plan, { log: pino({ level: 'silent' }), reportPath: path.join(dir, 'small.report.json'), watch: page.watch });
  report = result.report;
  const file = await page.write(result.report, result.reportPath);
  expect(file).toBe(path.join(dir, 'small.report.html'));
  const { readFile } = await import('node:fs/promises');
  html = await readFile(file!, 'utf8');
});
afterAll(async () => {
  await labels.close();
});

const occurrences = (text: string, part: string): number => text.split(part).length - 1;

test('the run is what the page describes: 3 kept, 3 filtered out (one without an angle), 1 failed', () => {
  expect(report).toMatchObject({ status: 'done_with_failures', items: { total: 7, failed: 1, written: 4 } });
  const cards = [...html.matchAll(/<div class="card"><span class="n">([\d,]+)<\/span>([^<]+)<\/div>/g)].map((m) => [m[2], Number(m[1])]);
  expect(cards).toEqual([['items', 7], ['kept', 3], ['filtered out', 3], ['failed', 1], ['written', 4]]);
  expect(html).toMatch(/data-toggle="kept"[^>]*>.*?kept <span class="n">3<\/span>/);
  expect(html).toMatch(/data-toggle="filtered"[^>]*>.*?filtered out <span class="n">3<\/span>/);
});

test('one footprint an item, in its outcome group', () => {
  expect(occurrences(html, '<path class="fp"')).toBe(7);
  const group = (outcome: string) => html.match(new RegExp(`<g class="o-${outcome}">(.*?)</g>`, 's'))![1];
  expect(occurrences(group('kept'), 'class="fp"')).toBe(3);
  expect(occurrences(group('filtered'), 'class="fp"')).toBe(3);
  expect(occurrences(group('failed'), 'class="fp"')).toBe(1);
  expect(group('filtered')).toContain('<title>dim-2 · c&#39;&lt;b&gt;&amp;amp; · filtered out at filter</title>');
  expect(group('failed')).toContain('<title>lost · c&#39;&lt;b&gt;&amp;amp; · failed at fetch_label</title>');
});

test('a histogram for each numeric selected field, stacked by outcome; none for a date', () => {
  expect(occurrences(html, '<svg class="histogram"')).toBe(2);
  // The failed item never reached select (a failed entry passes steps untouched): no value for either field.
  expect(html).toContain('<figcaption>incidence_angle <span class="note">5 items, 12.5 to 85; 2 without a value</span></figcaption>');
  expect(html).toContain('<figcaption>gsd <span class="note">6 items, 10 to 15; 1 without a value</span></figcaption>');
  expect(html).toContain('Not numbers, no histogram: start.');
  const angleBars = html.split('aria-label="histogram of incidence_angle"')[1].split('</svg>')[0];
  // 12.5, 30 and 44 kept; 70 and 85 filtered out; the failed item has no number.
  const bars = (outcome: string) => [...angleBars.matchAll(new RegExp(`<rect class="o-${outcome}"[^>]*><title>incidence_angle ([^<]*)</title>`, 'g'))].map((m) => m[1]);
  expect(bars('kept').map((t) => Number(/: (\d+) kept/.exec(t)![1])).reduce((a, b) => a + b)).toBe(3);
  expect(bars('filtered').map((t) => Number(/, (\d+) filtered out/.exec(t)![1])).reduce((a, b) => a + b)).toBe(2);
  expect(bars('failed')).toEqual([]);
});

test('stages with their counts and times, and the failure with item, stage, href and reason', () => {
  const stageRow = (label: string) => html.match(new RegExp(`<tr><td>${label}</td><td>(\\w+)</td>((?:<td class="num">[\\d,]+</td>){4})`))!;
  const numbers = (row: RegExpMatchArray) => [...row[2].matchAll(/>([\d,]+)</g)].map((m) => Number(m[1]));
  expect(numbers(stageRow('items'))).toEqual([0, 7, 0, 0]);
  expect(numbers(stageRow('fetch_label'))).toEqual([7, 6, 0, 1]);
  expect(numbers(stageRow('filter'))).toEqual([7, 4, 3, 0]);
  expect(stageRow('ndjson')[1]).toBe('output');
  const failures = html.split('<table class="failures">')[1].split('</table>')[0];
  expect(occurrences(failures, '<tr><td class="item">')).toBe(1);
  const href = report.failures[0].href!;
  expect(href).toContain('"<i>"');
  expect(failures).toContain(`<td class="item">lost</td><td>c&#39;&lt;b&gt;&amp;amp;</td><td>fetch_label</td>`);
  expect(failures).toContain(`<td class="href">${href.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}</td>`);
  expect(failures).toMatch(/<td class="message">[^<]*404[^<]*<\/td>/);
});

test('nothing from the data becomes markup: one script (ours), the hostile id only escaped', () => {
  expect(occurrences(html, '<script')).toBe(1);
  expect(html).not.toContain('onerror=alert(1)>');
  expect(html).not.toContain('<img');
  expect(html).not.toContain('<i>');
  expect(html).toContain('x&quot;&gt;&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  // Only our own hashed style and script may run; nothing may be fetched.
  expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+';/);
  expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
});

test('pure rendering: a run with no footprint says so, and failures past the cap are counted, not listed', async () => {
  const { renderHtmlReport } = await import('../../src/report-html/render.js');
  const failures = Array.from({ length: 5 }, (_, i) => ({ item: `f${i}`, stage: 'download', code: 'ERR_X', message: 'gone' }));
  const page = renderHtmlReport({
    report: { ...report, status: 'aborted', error: { code: 'ERR_STAC_UNREACHABLE', message: 'http://127.0.0.1:9/ <refused>' }, failures, failures_not_listed: 3, items: { total: 8, failed: 8, written: 0 } },
    run: { counts: { kept: 0, filtered: 0, failed: 8 }, shapes: [], shapesNotDrawn: 0, withoutFootprint: 8, histograms: [], notNumericFields: [] },
    maxFailureRows: 2,
  });
  expect(page).toContain('<p class="empty">No item had a footprint (a polygon or a bbox).</p>');
  expect(page).toContain('8 items had no footprint (no polygon, no bbox).');
  expect(page).not.toContain('class="legend-item"');
  expect(page).toContain('<p class="error"><b>ERR_STAC_UNREACHABLE</b>: http://127.0.0.1:9/ &lt;refused&gt;</p>');
  expect(occurrences(page.split('<table class="failures">')[1], '<tr><td class="item">')).toBe(2);
  expect(page).toContain('6 more failures are not listed here (3 not kept by the run either).');
  expect(renderHtmlReport({ report, run: { counts: { kept: 0, filtered: 0, failed: 0 }, shapes: [], shapesNotDrawn: 0, withoutFootprint: 0, histograms: [], notNumericFields: [] } })).toBe(
    renderHtmlReport({ report, run: { counts: { kept: 0, filtered: 0, failed: 0 }, shapes: [], shapesNotDrawn: 0, withoutFootprint: 0, histograms: [], notNumericFields: [] } }),
  );
});
