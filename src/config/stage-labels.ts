/**
 * The labels of a list of stages, as the report, the logs and `--set` name them: the stage's name, then
 * `name#2`, `name#3` for repeats; an entry without a name (not a one-key mapping) is `#index`.
 */
export function stageLabels(names: ReadonlyArray<string | undefined>): string[] {
  const seen = new Map<string, number>();
  return names.map((name, i) => {
    if (name === undefined) return `#${i}`;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}#${n}`;
  });
}
