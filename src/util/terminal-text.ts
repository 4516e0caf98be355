/**
 * Text from the data (item ids, collection names, server messages) shown on a terminal. A C0 or C1 control
 * character or DEL goes raw to a TTY as a command (ESC starts sequences that recolour, move the cursor,
 * retitle the window or rewrite the screen), so each is written as visible text instead: ESC becomes `\x1b`,
 * a newline `\x0a`. Everything else, other Unicode included, is kept.
 */

// C0 controls, DEL, C1 controls (U+0080–U+009F: U+009B is a one-character CSI on some terminals).
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

const escapeOne = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** `text` with every control character escaped as `\xNN`. */
export function terminalText(text: string): string {
  return text.replace(CONTROLS, escapeOne);
}

/** As terminalText, keeping newlines and tabs (a stack trace's lines). */
export function terminalLines(text: string): string {
  return text.replace(CONTROLS_BUT_LINES, escapeOne);
}

/**
 * A copy of a parsed log record with every string (keys too) passed through terminalText, except `stack`
 * values, which keep their lines. Deep structures are cut at `maxDepth` (a log record is small).
 */
export function terminalSafe(value: unknown, maxDepth = 32, key?: string): unknown {
  if (typeof value === 'string') return key === 'stack' ? terminalLines(value) : terminalText(value);
  if (value === null || typeof value !== 'object') return value;
  if (maxDepth <= 0) return '[…]';
  if (Array.isArray(value)) return value.map((v) => terminalSafe(v, maxDepth - 1));
  // fromEntries defines own properties: a `__proto__` key stays a key.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [terminalText(k), terminalSafe(v, maxDepth - 1, k)]));
}
