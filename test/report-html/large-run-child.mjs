// Run by large-run.test.ts in its own process (the compiled dist/, after `npm run build`): N items with detailed
// footprints and two selected numbers through the collector, then the page rendered. Prints what it measured.
import { HtmlReportCollector, renderHtmlReport } from '../../dist/src/report-html/index.js';

const [items, vertices] = process.argv.slice(2).map(Number);
const started = process.cpuUsage();
const collector = new HtmlReportCollector({ fields: ['incidence_angle', 'gsd'] });
let peakHeap = 0;
let collectUs = 0;
for (let i = 0; i < items; i++) {
  const [lon, lat] = [-180 + ((i * 7.31) % 359), -80 + ((i * 3.17) % 159)];
  const ring = Array.from({ length: vertices }, (_, k) => [lon + Math.cos((2 * Math.PI * k) / vertices), lat + 0.5 * Math.sin((2 * Math.PI * k) / vertices)]);
  const entry = {
    item: { type: 'Feature', id: `TC1S2B0_01_${String(i).padStart(7, '0')}N000E0000`, collection: 'kaguya_terrain_camera_monoscopic_uncontrolled_observations', geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]] }, properties: {}, assets: {} },
    fields: { incidence_angle: (i * 13.7) % 90, gsd: 7 + (i % 40) / 10 },
    files: {},
    failures: i % 50 === 0 ? [{ stage: 'fetch_label', code: 'ERR_X', message: 'x' }] : [],
  };
  const before = process.cpuUsage();
  if (i % 3 === 0) collector.dropped(entry, 'filter');
  else collector.written(entry);
  const spent = process.cpuUsage(before);
  collectUs += spent.user + spent.system;
  if (i % 10_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}
const report = {
  stacflow: '0', pipeline: { name: 'large', file: 'large.yaml' }, status: 'done', exit_code: 0, started_at: '', ended_at: '', duration_s: 1,
  items: { total: items, failed: 0, written: 0 }, stages: [], outputs: {}, failures: [], failures_not_listed: 0, warnings: [],
};
const rendering = process.cpuUsage();
const html = renderHtmlReport({ report, run: collector.collected() });
const rendered = process.cpuUsage(rendering);
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
const cpu = process.cpuUsage(started);
process.stdout.write(JSON.stringify({ htmlBytes: Buffer.byteLength(html), paths: html.split('<path class="fp"').length - 1, note: /([\d,]+) of ([\d,]+) footprints drawn/.exec(html)?.slice(1), cpuMs: Math.round((cpu.user + cpu.system) / 1000), collectMs: Math.round(collectUs / 1000), renderMs: Math.round((rendered.user + rendered.system) / 1000), peakHeapMiB: Math.round(peakHeap / 1048576) }));
