import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word`, if it is close enough to be a likely typo (`fetch_lable` → `fetch_label`).
 * Case, `-` and `_` are ignored when comparing, so `Fetch-Label` also finds `fetch_label`.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const wanted = normalise(word);
  // Short names tolerate one edit; longer ones about one edit in three characters.
  const tolerance = Math.max(1, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(wanted, normalise(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= tolerance ? best : undefined;
}

/** `; did you mean "x"?` when there is a close candidate, else `; known …: a, b, c` (or nothing if none). */
export function suggestionSuffix(word: string, candidates: readonly string[], noun: string): string {
  const close = didYouMean(word, candidates);
  if (close !== undefined) return `; did you mean "${close}"?`;
  if (candidates.length === 0) return '';
  return `; ${noun}: ${candidates.join(', ')}`;
}

const normalise = (name: string): string => name.toLowerCase().replaceAll('-', '_');
