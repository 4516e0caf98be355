import { cql2ClassesOf } from '../../../src/fields/cql2/classes.js';
import { parseCql2Json } from '../../../src/fields/cql2/parse-json.js';
import { parseCql2Text } from '../../../src/fields/cql2/parse-text.js';

/** The CQL2 classes (OGC 21-065r2) an expression needs a server to declare before the search may carry it. */
const classes = (text: string) => cql2ClassesOf(parseCql2Text(text));

test.each([
  ["gsd < 10 AND collection = 'x' OR NOT (id <> 'a')", ['basic-cql2']],
  ['eo:cloud_cover IS NULL', ['basic-cql2']],
  ["datetime >= TIMESTAMP('2009-06-07T14:00:00Z') AND datetime < DATE('2010-01-01')", ['basic-cql2']],
  ['gsd BETWEEN 1 AND 10', ['basic-cql2', 'advanced-comparison-operators']],
  ["id LIKE 'TC1%' AND gsd IN (1, 2)", ['basic-cql2', 'advanced-comparison-operators']],
  ["CASEI(id) = casei('tc1')", ['basic-cql2', 'case-insensitive-comparison']],
  ["ACCENTI(CASEI(name)) = accenti(casei('é'))", ['basic-cql2', 'case-insensitive-comparison', 'accent-insensitive-comparison']],
  ['CASEI(id) = CASEI(title)', ['basic-cql2', 'case-insensitive-comparison', 'property-property']],
  ['S_INTERSECTS(geometry, POINT(1 2))', ['basic-cql2', 'basic-spatial-functions']],
  ['S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))', ['basic-cql2', 'basic-spatial-functions']],
  ['S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))', ['basic-cql2', 'basic-spatial-functions-plus']],
  ['S_WITHIN(geometry, BBOX(1, 2, 3, 4))', ['basic-cql2', 'spatial-functions']],
  ["T_AFTER(datetime, TIMESTAMP('2009-06-07T14:00:00Z'))", ['basic-cql2', 'temporal-functions']],
  ["T_DURING(INTERVAL(start_datetime, end_datetime), INTERVAL('2009-01-01', '..'))", ['basic-cql2', 'temporal-functions']],
  ["A_CONTAINS(keywords, ('a', 'b'))", ['basic-cql2', 'array-functions']],
  ['gsd = resolution', ['basic-cql2', 'property-property']],
  ['10 > gsd', ['basic-cql2', 'property-property']],
  ['gsd * 2 < 10', ['basic-cql2', 'property-property', 'arithmetic']],
  ['avg(gsd) < 10', ['basic-cql2', 'property-property', 'functions']],
])('%s needs %j', (text, expected) => {
  expect(classes(text)).toEqual(expected);
});

test('text and JSON of one expression need the same classes', () => {
  const json = parseCql2Json({ op: 'between', args: [{ property: 'gsd' }, 1, 10] });
  expect(cql2ClassesOf(json)).toEqual(classes('gsd BETWEEN 1 AND 10'));
});
