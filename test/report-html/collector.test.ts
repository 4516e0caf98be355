import type { Entry, Failure } from '../../src/entry.js';
import { HtmlReportCollector } from '../../src/report-html/collector.js';

const failure: Failure = { stage: 'fetch_label', code: 'ERR_X', message: 'no label' };
const entry = (i: number, options: { fields?: Record<string, unknown>; failed?: boolean; geometry?: unknown } = {}): Entry => ({
  item: { type: 'Feature', id: `item-${i}`, collection: 'c', geometry: 'geometry' in options ? options.geometry : { type: 'Polygon', coordinates: [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 0]]] }, properties: {}, assets: {} },
  fields: options.fields ?? {},
  files: {},
  failures: options.failed ? [failure] : [],
});

test('how each entry ended: written → kept or failed, dropped → filtered out or failed, with the step', () => {
  const collector = new HtmlReportCollector({ fields: [] });
  collector.written(entry(0));
  collector.written(entry(1, { failed: true }));
  collector.dropped(entry(2), 'filter');
  collector.dropped(entry(3, { failed: true }), 'download');
  const run = collector.collected();
  expect(run.counts).toEqual({ kept: 1, filtered: 1, failed: 2 });
  expect(run.shapes.map(({ id, outcome, stage }) => [id, outcome, stage])).toEqual([
    ['item-0', 'kept', undefined],
    ['item-1', 'failed', 'fetch_label'],
    ['item-2', 'filtered', 'filter'],
    ['item-3', 'failed', 'download'],
  ]);
});

test('past maxShapes the map is a uniform, repeatable sample of the whole run; items without a footprint are counted', () => {
  const sample = () => {
    const collector = new HtmlReportCollector({ fields: [], maxShapes: 10 });
    for (let i = 0; i < 1000; i++) collector.written(entry(i));
    collector.written(entry(1000, { geometry: null }));
    return collector.collected();
  };
  const run = sample();
  expect([run.shapes.length, run.shapesNotDrawn, run.withoutFootprint]).toEqual([10, 990, 1]);
  const drawn = run.shapes.map((shape) => Number(shape.id.split('-')[1]));
  expect(drawn.filter((i) => i >= 500).length).toBeGreaterThan(2); // not just the first ten
  expect(sample().shapes.map((shape) => shape.id)).toEqual(run.shapes.map((shape) => shape.id));
});

test('selected values: numbers binned, null and absent counted missing, a field of strings named and not plotted', () => {
  const collector = new HtmlReportCollector({ fields: ['angle', 'start'] });
  collector.written(entry(0, { fields: { angle: 10, start: '2008-01-01' } }));
  collector.dropped(entry(1, { fields: { angle: 85, start: '2008-01-02' } }), 'filter');
  collector.written(entry(2, { fields: { angle: null } }));
  collector.written(entry(3, { failed: true }));
  collector.written(entry(4, { fields: { angle: 'x' } }));
  const run = collector.collected();
  expect(run.histograms.map(({ field, counted, missing, notNumeric, min, max }) => ({ field, counted, missing, notNumeric, min, max }))).toEqual([
    { field: 'angle', counted: 2, missing: 2, notNumeric: 1, min: 10, max: 85 },
  ]);
  expect(run.notNumericFields).toEqual(['start']);
});
