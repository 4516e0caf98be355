import { cellOf, instantMicros, mergeTypes, settle, typeOfValue, widened, type ValueType } from '../../../src/catalog/geoparquet/value-type.js';

const struct = (fields: Record<string, ValueType>): ValueType => ({ kind: 'struct', fields: new Map(Object.entries(fields)) });
const list = (item: ValueType): ValueType => ({ kind: 'list', item });
const S: ValueType = { kind: 'string' };
const D: ValueType = { kind: 'double' };

test('types by shape: numbers are doubles, objects structs, arrays lists of their merged items', () => {
  expect(typeOfValue({ a: 1, b: ['x', null], c: { d: true } })).toEqual(struct({ a: D, b: list(S), c: struct({ d: { kind: 'boolean' } }) }));
  expect(typeOfValue(new Date(0))).toEqual({ kind: 'timestamp' });
});

test('merging unites struct members and widens a conflict to string, at any depth', () => {
  const merged = mergeTypes(typeOfValue({ a: 1, b: { c: 2 } }), typeOfValue({ b: { c: 'two' }, e: null }));
  expect(merged).toEqual(struct({ a: D, b: struct({ c: S }), e: { kind: 'null' } }));
  expect(widened(typeOfValue({ a: 1, b: { c: 2 } }), merged)).toBe(true);
  expect(widened(typeOfValue({ a: 1 }), mergeTypes(typeOfValue({ a: 1 }), typeOfValue({ a: null, z: 'new' })))).toBe(false);
  expect(mergeTypes({ kind: 'json' }, D)).toEqual({ kind: 'json' });
});

test('settled: unknown types and empty structs become strings', () => {
  expect(settle(struct({ a: { kind: 'null' }, b: struct({}), c: list({ kind: 'null' }) }))).toEqual(struct({ a: S, b: S, c: list(S) }));
});

test('cells: what fits is converted, what does not is null and marks the cell lossy', () => {
  expect(cellOf('2009-06-07T14:42:56.305175Z', { kind: 'timestamp' })).toEqual({ value: 1244385776305175n, lossless: true });
  expect(cellOf('2009-06-07', { kind: 'timestamp' })).toEqual({ value: null, lossless: false });
  expect(cellOf(12, S)).toEqual({ value: '12', lossless: true }); // widened: JSON text
  expect(cellOf({ a: 1, extra: 2 }, struct({ a: D }))).toEqual({ value: { a: 1 }, lossless: false });
  expect(cellOf([1, 'x'], list(D))).toEqual({ value: [1, null], lossless: false });
  expect(cellOf(null, D)).toEqual({ value: null, lossless: true });
});

test('instants need a time; a zone shifts them; microseconds are kept', () => {
  expect(instantMicros('2009-06-07T14:42:56.305175Z')).toBe(1244385776305175);
  expect(instantMicros('2009-06-07T16:42:56.305175+02:00')).toBe(1244385776305175);
  expect(instantMicros('2009-06-07')).toBeUndefined();
  expect(instantMicros('yesterday')).toBeUndefined();
});
