/**
 * Which S3 keys `rclone copy --files-from` would read as some other path. rclone (v1.60 and current) reads the
 * list line by line (a trailing CR is dropped), trims Unicode white space at both ends, skips empty lines and
 * lines starting with `#` or `;` (comments), strips leading and trailing `/`, and its S3 backend then joins
 * the path with path.Join, which folds `a//b`, `a/./b` and `a/../b`. It also doubles a literal `‛` (U+201B,
 * the quote of its name encoding). Checked against rclone 1.60 (HEAD requests of a --no-traverse copy).
 */

// Go's unicode.IsSpace: what strings.TrimSpace removes at both ends of a line.
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/u;
const LONE_SURROGATE = /\p{Cs}/u;

/** Why rclone would misread `key` as a files-from line (or as `remote:/bucket/key`), or undefined when it reads it as is. */
export function filesFromKeyProblem(key: string): string | undefined {
  if (key === '') return 'the key is empty';
  const control = CONTROL.exec(key);
  if (control) return `the key holds a control character (U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}): a list line would break or change there`;
  if (LONE_SURROGATE.test(key)) return 'the key is not valid Unicode (a lone surrogate)';
  if (GO_SPACE.test(key[0]) || GO_SPACE.test(key[key.length - 1])) return 'the key starts or ends with white space, which rclone trims from list lines';
  if (key[0] === '#' || key[0] === ';') return `the key starts with "${key[0]}", which makes its list line a comment for rclone`;
  if (key.startsWith('/') || key.endsWith('/')) return 'the key starts or ends with "/", which rclone strips';
  const segments = key.split('/');
  if (segments.includes('')) return 'the key holds "//", which rclone folds to one "/"';
  if (segments.some((s) => s === '.' || s === '..')) return 'the key holds a "." or ".." segment, which rclone resolves away';
  if (key.includes('\u201b')) return 'the key holds "‛" (U+201B), which rclone\'s name encoding doubles';
  return undefined;
}
