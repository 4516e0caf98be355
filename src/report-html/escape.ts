/**
 * Text made safe for HTML text and quoted attribute values. Item ids, hrefs and messages come from servers:
 * everything the page shows that is not our own markup goes through here. Control characters (none printable,
 * some invalid in HTML) become U+FFFD.
 */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => ESCAPES[c] ?? '\ufffd');
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
