import { canonicalOp, KNOWN_OPS, operation, type Cql2Expr, type Cql2IntervalBound } from './ast.js';
import { Cql2Error } from './errors.js';
import { bboxLiteral, dateLiteral, geometryLiteral, instantString, isGeometryType, timestampLiteral, type Built } from './literals.js';

/**
 * CQL2 JSON (a parsed value, or its text) → the tree (ast.ts), checked as the CQL2 JSON schema does: each
 * mistake is an ERR_CQL2_JSON error naming its JSON path (`args[1].interval[0]: ...`).
 *
 *     { "op": "and", "args": [ { "op": "<", "args": [ { "property": "eo:cloud_cover" }, 10 ] },
 *                              { "op": "t_intersects", "args": [ { "property": "datetime" }, { "interval": ["2020-01-01", ".."] } ] } ] }
 */
export function parseCql2Json(value: unknown, where?: string): Cql2Expr {
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch (err) {
      throw new Cql2Error({ code: 'ERR_CQL2_JSON', reason: `not JSON: ${(err as Error).message}`, where, jsonPath: '' });
    }
  }
  return expression(value, '', where);
}

const join = (path: string, member: string | number): string =>
  typeof member === 'number' ? `${path}[${member}]` : path === '' ? member : `${path}.${member}`;

function expression(value: unknown, path: string, where: string | undefined): Cql2Expr {
  const fail = (reason: string, at = path): never => {
    throw new Cql2Error({ code: 'ERR_CQL2_JSON', reason, where, jsonPath: at });
  };
  const built = <T>(result: Built<T>, at = path): T => (result.ok ? result.node : fail(result.reason, at));

  if (typeof value === 'string') return Object.freeze({ kind: 'string', value });
  if (typeof value === 'number') return Number.isFinite(value) ? Object.freeze({ kind: 'number', value }) : fail('expected a finite number');
  if (typeof value === 'boolean') return Object.freeze({ kind: 'boolean', value });
  if (value === null) return fail('null is not a CQL2 value (test for it with {"op": "isNull", "args": [...]})');
  if (Array.isArray(value)) return Object.freeze({ kind: 'array', items: Object.freeze(value.map((item, i) => expression(item, join(path, i), where))) });
  if (typeof value !== 'object') return fail(`unexpected ${typeof value}`);

  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const only = (...allowed: string[]): void => {
    const extra = keys.find((k) => !allowed.includes(k));
    if (extra !== undefined) fail(`unexpected member "${extra}" beside ${allowed.map((a) => `"${a}"`).join(' and ')}`, join(path, extra));
  };
  if ('op' in record) {
    only('op', 'args');
    const name = record.op;
    if (typeof name !== 'string' || name === '') return fail('"op" must be a non-empty string', join(path, 'op'));
    const args = record.args ?? [];
    if (!Array.isArray(args)) return fail('"args" must be an array', join(path, 'args'));
    const lower = name.toLowerCase();
    const arity = KNOWN_OPS.get(lower);
    if (arity && (args.length < arity.min || args.length > arity.max)) {
      const count = arity.min === arity.max ? `${arity.min}` : `${arity.min} or more`;
      fail(`"${name}" takes ${count} argument${count === '1' ? '' : 's'}, not ${args.length}`, join(path, 'args'));
    }
    const parsed = args.map((arg, i) => expression(arg, join(join(path, 'args'), i), where));
    if (lower === 'in' && parsed[1].kind !== 'array') fail('"in" takes a value and an array of values', join(join(path, 'args'), 1));
    return operation(canonicalOp(name), parsed);
  }
  if ('property' in record) {
    only('property');
    return typeof record.property === 'string' && record.property !== ''
      ? Object.freeze({ kind: 'property', name: record.property })
      : fail('"property" must be a non-empty string', join(path, 'property'));
  }
  if ('date' in record) {
    only('date');
    return typeof record.date === 'string' ? built(dateLiteral(record.date), join(path, 'date')) : fail('"date" must be a string', join(path, 'date'));
  }
  if ('timestamp' in record) {
    only('timestamp');
    const text = record.timestamp;
    return typeof text === 'string' ? built(timestampLiteral(text), join(path, 'timestamp')) : fail('"timestamp" must be a string', join(path, 'timestamp'));
  }
  if ('interval' in record) {
    only('interval');
    const ends = record.interval;
    if (!Array.isArray(ends) || ends.length !== 2) return fail('"interval" must be an array of two ends', join(path, 'interval'));
    const [start, end] = ends.map((bound, i) => intervalBound(bound, join(join(path, 'interval'), i), where));
    return Object.freeze({ kind: 'interval', start, end });
  }
  if ('bbox' in record) {
    only('bbox');
    const values = record.bbox;
    if (!Array.isArray(values)) return fail('"bbox" must be an array of 4 or 6 numbers', join(path, 'bbox'));
    return Object.freeze({ kind: 'bbox', bbox: built(bboxLiteral(values), join(path, 'bbox')) });
  }
  if ('type' in record) {
    if (!isGeometryType(record.type)) return fail(`expected a GeoJSON geometry type (Point ... GeometryCollection), not ${JSON.stringify(record.type)}`, join(path, 'type'));
    only('type', record.type === 'GeometryCollection' ? 'geometries' : 'coordinates', 'bbox');
    const result = geometryLiteral(record);
    if (!result.ok) return fail(result.reason, result.at ? join(path, result.at) : path);
    return Object.freeze({ kind: 'geometry', geometry: result.node });
  }
  return fail(`expected an expression: {"op", "args"}, {"property"}, {"date"}, {"timestamp"}, {"interval"}, {"bbox"}, a GeoJSON geometry, a string, a number, a boolean or an array; found ${keys.length ? `members ${keys.map((k) => `"${k}"`).join(', ')}` : 'an empty object'}`);
}

function intervalBound(value: unknown, path: string, where: string | undefined): Cql2IntervalBound {
  if (typeof value === 'string') {
    const result = instantString(value);
    if (!result.ok) throw new Cql2Error({ code: 'ERR_CQL2_JSON', reason: result.reason, where, jsonPath: path });
    return result.node;
  }
  const parsed = expression(value, path, where);
  if (parsed.kind === 'property' || parsed.kind === 'op' || parsed.kind === 'date' || parsed.kind === 'timestamp') return parsed;
  throw new Cql2Error({ code: 'ERR_CQL2_JSON', reason: `an interval's ends are strings ('..', a date or a timestamp), properties or functions, not a ${parsed.kind}`, where, jsonPath: path });
}
