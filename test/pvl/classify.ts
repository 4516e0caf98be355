import type { PvlStatement, PvlValue } from '../../src/pvl/index.js';

/**
 * Why the reference parser (Python pvl) and ours disagree on a corpus file, guessed from the text and our
 * model. Used to write the allow-list's reasons and to suggest one when a new difference appears; the
 * allow-list itself (allow-list.json, which explains each reason) is the reviewed record.
 */
export type Reason =
  | 'isis-bare-keyword'
  | 'isis-end-without-underscore'
  | 'isis-unclosed-comment'
  | 'quoted-block-name'
  | 'reserved-word-in-sequence'
  | 'end-closes-open-block'
  | 'quirk-dateutil-fraction'
  | 'quirk-dateutil-moc-number'
  | 'quirk-python-number-underscore'
  | 'quirk-strptime-short-time';

const RESERVED = new Set(['end', 'end_group', 'endgroup', 'end_object', 'endobject', 'group', 'begin_group', 'object', 'begin_object']);

/**
 * Reasons the text (as decoded, line numbers as in `statements`) shows, for a file the reference rejects and we parse (`referenceRejects`: only our
 * extensions can explain it), or one where both parse and the results differ (the reference's quirks too).
 */
export function guessReasons(text: string, statements: readonly PvlStatement[], referenceRejects: boolean): Reason[] {
  const reasons = new Set<Reason>();
  const lines = text.split('\n');
  const isReservedSymbol = (v: PvlValue): boolean => v.type === 'string' && !v.quoted && RESERVED.has(v.value.toLowerCase());
  walk(
    statements,
    (st) => {
      const bare = st.type === 'assignment' && st.value.type === 'empty' && !(lines[st.line - 1] ?? '').includes('=');
      if (bare) reasons.add('isis-bare-keyword');
    },
    (value) => {
      if ((value.type === 'sequence' || value.type === 'set') && value.items.some(isReservedSymbol)) reasons.add('reserved-word-in-sequence');
    },
  );
  if (/^[ \t]*End(Group|Object)\b/im.test(text)) reasons.add('isis-end-without-underscore');
  const open = text.lastIndexOf('/*');
  if (open >= 0 && text.indexOf('*/', open) < 0) reasons.add('isis-unclosed-comment');
  if (/^[ \t]*(begin_)?(group|object)[ \t]*=[ \t]*["']/im.test(text)) reasons.add('quoted-block-name');
  if (/\dT\d\d:\d\d:\d\d\.\d{7,}(?![\dZz+-])/.test(text)) reasons.add('quirk-dateutil-fraction');
  if (/=\s*\d{4}-\d{3}\/\d\d\b/.test(text)) reasons.add('quirk-dateutil-moc-number');
  if (/=\s*\d+_\d[\d.]*\s/.test(text)) reasons.add('quirk-python-number-underscore');
  if (/=\s*\d:\d\s/.test(text)) reasons.add('quirk-strptime-short-time');
  if (endInsideBlock(text)) reasons.add('end-closes-open-block');
  return [...reasons].filter((r) => !(referenceRejects && (r.startsWith('quirk-') || r === 'end-closes-open-block')));
}

/** Whether an END statement comes while an OBJECT/GROUP is open (counting begin and end words by line). */
function endInsideBlock(text: string): boolean {
  let depth = 0;
  for (const line of text.split('\n')) {
    const word = /^[ \t]*([A-Za-z_]+)/.exec(line)?.[1]?.toLowerCase();
    if (word === undefined) continue;
    if (/^(begin_)?(object|group)$/.test(word) && /=/.test(line)) depth += 1;
    else if (/^end_?(object|group)$/.test(word)) depth -= 1;
    else if (word === 'end' && !/=/.test(line)) return depth > 0;
  }
  return false;
}

function walk(statements: readonly PvlStatement[], onStatement: (st: PvlStatement) => void, onValue: (v: PvlValue) => void): void {
  const visit = (v: PvlValue): void => {
    onValue(v);
    if (v.type === 'sequence' || v.type === 'set') v.items.forEach(visit);
    if (v.type === 'quantity') visit(v.value);
  };
  for (const st of statements) {
    onStatement(st);
    if (st.type === 'assignment') visit(st.value);
    else walk(st.statements, onStatement, onValue);
  }
}
