/**
 * The JSON text a STAC item was parsed from, where its source kept it (a search page: src/stac/paging.ts), so
 * that whoever writes the item as JSON again (the incremental state: ~0.1 ms of JSON.stringify an 8.7 KB item,
 * the largest part of recording it) can write that text instead. Held weakly, by the item object: gone with it.
 * Items are never mutated (src/entry.ts), so the text stays the item's; a stub or a copy has none.
 */
const TEXTS = new WeakMap<object, string>();

export function rememberItemText(item: object, text: string): void {
  TEXTS.set(item, text);
}

export function itemTextOf(item: object): string | undefined {
  return TEXTS.get(item);
}
