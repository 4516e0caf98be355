import { badRequest } from './api-error.js';
import type { SandboxCatalog } from './catalog.js';
import { comparable, compareValues, valueEquals } from './item-fields.js';

export type ItemPredicate = (g: number) => boolean;

const OPERATORS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'startsWith', 'endsWith', 'contains'] as const;

/**
 * The STAC query extension (`{"gsd": {"lt": 8}, "view:sun_elevation": {"gte": 10, "lte": 40}}`): names are
 * property names, the operators of one property and all properties are ANDed, as stac-server does.
 */
export function compileQuery(catalog: SandboxCatalog, query: unknown): ItemPredicate {
  if (typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw badRequest('Invalid query parameter, must be an object of property names to operators such as {"gsd": {"lt": 8}}');
  }
  const tests: ItemPredicate[] = [];
  for (const [property, operators] of Object.entries(query as Record<string, unknown>)) {
    if (typeof operators !== 'object' || operators === null || Array.isArray(operators)) {
      throw badRequest(`Invalid query for property "${property}", expected an object of operators such as {"eq": ...}`);
    }
    for (const [op, literal] of Object.entries(operators as Record<string, unknown>)) {
      if (!(OPERATORS as readonly string[]).includes(op)) {
        throw badRequest(`Unsupported query operator "${op}" for property "${property}" (supported: ${OPERATORS.join(', ')})`);
      }
      tests.push(compileOperator(catalog, `properties.${property}`, op, literal));
    }
  }
  return (g) => tests.every((test) => test(g));
}

function compileOperator(catalog: SandboxCatalog, field: string, op: string, literal: unknown): ItemPredicate {
  if (op === 'in') {
    if (!Array.isArray(literal)) throw badRequest(`Invalid query: "in" needs an array of values for ${field}`);
    const tests = literal.map((value) => compileOperator(catalog, field, 'eq', value));
    return (g) => tests.some((test) => test(g));
  }
  const { get, literal: target } = comparable(catalog, field, literal);
  switch (op) {
    case 'eq':
      return (g) => valueEquals(get(g), target);
    case 'neq':
      return (g) => !valueEquals(get(g), target);
    case 'startsWith':
    case 'endsWith':
    case 'contains': {
      const text = String(literal);
      const read = comparable(catalog, field, undefined).get;
      return (g) => {
        const value = read(g);
        if (typeof value !== 'string') return false;
        return op === 'startsWith' ? value.startsWith(text) : op === 'endsWith' ? value.endsWith(text) : value.includes(text);
      };
    }
  }
  const accept = { lt: (c: number) => c < 0, lte: (c: number) => c <= 0, gt: (c: number) => c > 0, gte: (c: number) => c >= 0 }[op as 'lt'];
  return (g) => {
    const order = compareValues(get(g), target);
    return order !== undefined && accept(order);
  };
}
