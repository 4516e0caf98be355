/**
 * Where a STAC item was parsed from: its bytes in the search page that brought it (src/stac/paging.ts), so
 * that the incremental state can store the item as that text instead of serializing it again on the run's
 * thread (JSON.stringify or a structured clone of an 8.7 KB Kaguya item: ~20–35 µs and their garbage, the
 * largest part of recording it; the text: decoded in ~2 µs, posted to the state's writer thread).
 *
 * Held weakly, by the item object, with the page's bytes (off the JS heap, never traced): gone with the
 * page's last item. Items are never mutated (src/entry.ts), so the bytes stay the item's; a copy of an
 * item, or an item from another source, has none.
 */
interface Source {
  readonly page: Buffer;
  readonly start: number;
  readonly end: number;
}
const SOURCES = new WeakMap<object, Source>();

export function rememberItemSource(item: object, page: Buffer, start: number, end: number): void {
  SOURCES.set(item, { page, start, end });
}

/**
 * The item's JSON text as its page brought it, if known: decoded now, to be posted as a string (copied into
 * the message, then garbage of the young generation) rather than as bytes in an ArrayBuffer of their own
 * (external memory, which V8 counts towards its next full collection; no clear difference measured).
 */
export function itemSourceText(item: object): string | undefined {
  const source = SOURCES.get(item);
  return source?.page.toString('utf8', source.start, source.end);
}
