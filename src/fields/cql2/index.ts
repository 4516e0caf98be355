/**
 * CQL2 (OGC 21-065r2) for the `filter` stage and the search pushdown: text and JSON parse into one tree,
 * print back to either form, and compile into a predicate on entries.
 *
 *     const ast = parseCql2Text("eo:cloud_cover < 10 AND collection = 'x'", 'pipeline.yaml steps[2].filter');
 *     toCql2Json(ast);            // { op: 'and', args: [ { op: '<', args: [ { property: 'eo:cloud_cover' }, 10 ] }, ... ] }
 *     const keep = compileCql2(ast);
 *     keep(entry);                // true or false
 *
 * Loading: the text parser loads ohm-js and its grammar on first use; the predicate loads jsts (spatial
 * functions) with this module. A caller that only parses may import parse-text.js / parse-json.js alone.
 */
export type { Cql2Expr, Cql2Interval, Cql2IntervalBound, Cql2Operation, Cql2Property, GeoJsonGeometry } from './ast.js';
export { propertiesOf, renameProperties } from './ast.js';
export { compileCql2 } from './compile.js';
export { Cql2Error, type Cql2ErrorCode } from './errors.js';
export { parseCql2Json } from './parse-json.js';
export { parseCql2Text } from './parse-text.js';
export { toCql2Json, toCql2Text, type Cql2Json } from './print.js';
