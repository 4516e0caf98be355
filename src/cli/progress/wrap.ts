import wrapAnsi from 'wrap-ansi';

/**
 * A log record's text wrapped to the terminal's width, ANSI colours kept: words move to the next line, a word
 * longer than the line (a URL) is broken, continuation lines are indented two spaces. Nothing is cut: at 80
 * columns a long message stays readable in full.
 */
export function wrapForTerminal(text: string, columns: number): string {
  const width = Math.max(20, columns - 1);
  const out: string[] = [];
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const [first, ...rest] = wrapAnsi(line, width, { hard: true, trim: false }).split('\n');
    out.push(first);
    if (rest.length > 0) out.push(...wrapAnsi(rest.join(' '), width - 2, { hard: true }).split('\n').map((l) => `  ${l}`));
  }
  return `${out.join('\n')}\n`;
}
