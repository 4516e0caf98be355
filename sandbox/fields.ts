/** What stac-server returns when `fields` is given at all (`buildFieldsFilter` in src/lib/database.js). */
const DEFAULT_INCLUDE = ['id', 'type', 'geometry', 'bbox', 'links', 'assets', 'collection', 'properties.datetime'];

/**
 * The fields extension as stac-server applies it: the default set plus `include`, minus `exclude`; a path
 * selects a whole subtree (`properties`) or one member (`properties.gsd`); exclusion wins. Key order is kept.
 */
export function projectFields(item: Record<string, unknown>, fields: { include: string[]; exclude: string[] }): Record<string, unknown> {
  const include = [...DEFAULT_INCLUDE, ...fields.include.filter((f) => !DEFAULT_INCLUDE.includes(f))].filter((f) => !fields.exclude.includes(f));
  const picked = pick(item, include.map((path) => path.split('.')));
  for (const path of fields.exclude) remove(picked, path.split('.'));
  // stac-server sets `type` on every item it returns, whatever the fields.
  return picked.type === undefined ? { type: 'Feature', ...picked } : picked;
}

function pick(value: Record<string, unknown>, paths: string[][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const under = paths.filter((path) => path[0] === key);
    if (under.length === 0) continue;
    if (under.some((path) => path.length === 1)) out[key] = child;
    else if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
      out[key] = pick(child as Record<string, unknown>, under.map((path) => path.slice(1)));
    }
  }
  return out;
}

function remove(value: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  if (!(head in value)) return;
  if (rest.length === 0) {
    delete value[head];
    return;
  }
  const child = value[head];
  if (typeof child !== 'object' || child === null || Array.isArray(child)) return;
  // Copy before deleting: the subtree may be shared with the item template.
  const copy = { ...(child as Record<string, unknown>) };
  value[head] = copy;
  remove(copy, rest);
}
