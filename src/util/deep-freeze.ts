/**
 * Freezes a value all the way down: plain objects, arrays, and the values of Maps (a frozen Map can still be
 * `set`: its entries are frozen, not the map). Class instances other than Map (Date, URL, Buffer...) are left
 * as they are. Shared references (YAML aliases) are visited once, and no depth can overflow the stack: the
 * walk keeps its own list.
 */
export function deepFreeze<T>(value: T): T {
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    if (next instanceof Map) {
      Object.freeze(next);
      for (const child of next.values()) pending.push(child);
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(next);
    if (!Array.isArray(next) && proto !== Object.prototype && proto !== null) continue;
    Object.freeze(next);
    for (const child of Object.values(next)) pending.push(child);
  }
  return value;
}
