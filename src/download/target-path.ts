import path from 'node:path';
import { DownloadError } from './errors.js';
import { SIDECAR_EXTRA_BYTES } from './sidecar.js';

/**
 * The `to` template of the download step and the safety of the paths it gives. Placeholders: `{collection}`,
 * `{id}`, `{asset}`, `{filename}` (the last segment of the href's path, decoded); a template ending in `/`
 * means `+ {filename}`. The template's fixed leading part, up to its last `/` before the first placeholder,
 * is the root: no value may lead the file out of it. Values from the item (ids, collections, keys, filenames)
 * are untrusted: `..`, `.` and empty segments, absolute paths, backslashes, NUL and control characters, and
 * names or paths too long for the file system are refused before any request is made.
 */

export const PLACEHOLDERS = ['collection', 'id', 'asset', 'filename'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([^{}]*)\}/g;
// C0 controls, DEL and C1 controls: never in a file name stacflow writes.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Bytes in one file or folder name (NAME_MAX of ext4, xfs, btrfs, APFS...). */
export const NAME_MAX_BYTES = 255;
/** Bytes in a whole path (Linux PATH_MAX, 4096 with its NUL). */
export const PATH_MAX_BYTES = 4095;

/** A parsed `to` template. */
export interface TargetTemplate {
  /** As written (with `{filename}` appended when it ended in `/`). */
  readonly template: string;
  /** The fixed leading folder every path stays in ('' = the working directory), as written. */
  readonly root: string;
  /** Literal text and placeholders, alternating. */
  readonly parts: ReadonlyArray<string | { name: Placeholder }>;
}

/** The problems of a template (unknown or empty placeholders, control characters), for the options schema. */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  if (template.trim() === '') problems.push('`to` is empty');
  if (CONTROL.test(template)) problems.push('`to` holds a control character');
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(match[1])) {
      problems.push(`unknown placeholder {${match[1]}} in \`to\` (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
    }
  }
  const stray = template.replace(PLACEHOLDER, '');
  if (stray.includes('{') || stray.includes('}')) problems.push('unbalanced { or } in `to`');
  return problems;
}

/** Parses a template already checked by `templateProblems`. */
export function parseTargetTemplate(to: string): TargetTemplate {
  const template = to.endsWith('/') ? `${to}{filename}` : to;
  const parts: Array<string | { name: Placeholder }> = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, match.index));
    parts.push({ name: match[1] as Placeholder });
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(template.slice(last));
  const first = template.indexOf('{');
  const fixed = first < 0 ? template : template.slice(0, first);
  const root = fixed.slice(0, fixed.lastIndexOf('/') + 1);
  return { template, root, parts };
}

/** What a template is filled with for one asset of one item. */
export type TemplateValues = Record<Placeholder, string | undefined>;

/** Names of the values in messages. */
const VALUE_NAMES: Record<Placeholder, string> = { collection: 'collection', id: 'item id', asset: 'asset key', filename: 'file name (from the href)' };

/** One asset's local path: as the template gives it (reported), and resolved against the working directory. */
export interface TargetPath {
  path: string;
  absolute: string;
  /** The template's root, resolved: no folder below it may be a link or lead out of it (local-files.ts). */
  root: string;
}

/**
 * The local path of one asset: the template filled with `values`, relative to `cwd` when not absolute.
 * Throws ERR_DOWNLOAD_PATH naming the item, the asset and the offending value when the path is unsafe.
 */
export function expandTarget(target: TargetTemplate, values: TemplateValues, where: { item: string; asset: string; href?: string }, cwd = process.cwd()): TargetPath {
  const refuse = (reason: string): never => {
    throw new DownloadError(
      'ERR_DOWNLOAD_PATH',
      `item ${JSON.stringify(where.item)}, asset ${JSON.stringify(where.asset)}: ${reason}; nothing was downloaded for it — ` +
        'the item or its href holds a value that cannot be a safe local path (fix the data, or choose a `to` without that placeholder)',
      { href: where.href, asset: where.asset },
    );
  };
  let relative = '';
  const spans: ValueSpan[] = [];
  for (const part of target.parts) {
    if (typeof part === 'string') {
      relative += part;
      continue;
    }
    const value = values[part.name];
    const name = VALUE_NAMES[part.name];
    if (value === undefined || value === '') refuse(`the ${name} is empty, and \`to\` (${target.template}) uses {${part.name}}`);
    const v = value as string;
    const shown = JSON.stringify(v);
    if (CONTROL.test(v)) refuse(`the ${name} ${shown} holds a control character`);
    if (v.includes('\\')) refuse(`the ${name} ${shown} holds a backslash`);
    if (v.startsWith('/')) refuse(`the ${name} ${shown} is an absolute path`);
    for (const segment of v.split('/')) {
      if (segment === '..') refuse(`the ${name} ${shown} has a '..' segment (it would leave ${target.root || 'the working directory'})`);
      if (segment === '.') refuse(`the ${name} ${shown} has a '.' segment`);
      if (segment === '') refuse(`the ${name} ${shown} has an empty path segment`);
    }
    spans.push({ name, value: v, start: relative.length, end: relative.length + v.length });
    relative += v;
  }
  const below = relative.slice(target.root.length);
  if (below === '' || below.endsWith('/')) refuse(`\`to\` (${target.template}) gives a folder, not a file`);
  const tooLong = overlongName(relative, spans);
  if (tooLong !== undefined) refuse(tooLong);
  // The values are checked one by one; this checks the whole, however they combine with the literal parts.
  const rootPath = path.resolve(cwd, target.root || '.');
  const full = path.resolve(cwd, relative);
  if (!full.startsWith(rootPath.endsWith(path.sep) ? rootPath : `${rootPath}${path.sep}`)) {
    refuse(`the path ${JSON.stringify(relative)} is outside the \`to\` root ${JSON.stringify(target.root || './')}`);
  }
  const fullBytes = Buffer.byteLength(full) + SIDECAR_EXTRA_BYTES;
  if (fullBytes > PATH_MAX_BYTES) {
    refuse(`the path ${shorten(full)} would be ${fullBytes} bytes with its sidecar's name, more than the ${PATH_MAX_BYTES} bytes a path may have (${describeSpans(spans)})`);
  }
  return { path: relative, absolute: full, root: rootPath };
}

/** Where a placeholder's value sits in the expanded path, to name it when its segment is too long. */
interface ValueSpan {
  name: string;
  value: string;
  start: number;
  end: number;
}

const shorten = (text: string, max = 48): string => JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
const describeSpans = (spans: readonly ValueSpan[]): string =>
  spans.length === 0 ? 'from the `to` template itself' : `from ${spans.map((s) => `the ${s.name} ${shorten(s.value)} (${Buffer.byteLength(s.value)} bytes)`).join(', ')}`;

/**
 * Why a segment of `relative` is too long for a file system, naming the values it comes from, or undefined.
 * The file name leaves room for the longest name stacflow puts beside it (`.<name>.stacflow.json.tmp`).
 */
function overlongName(relative: string, spans: readonly ValueSpan[]): string | undefined {
  const segments = relative.split('/');
  let start = 0;
  for (const [i, segment] of segments.entries()) {
    const end = start + segment.length;
    const isFile = i === segments.length - 1;
    const limit = isFile ? NAME_MAX_BYTES - SIDECAR_EXTRA_BYTES : NAME_MAX_BYTES;
    const bytes = Buffer.byteLength(segment);
    if (bytes > limit) {
      const from = describeSpans(spans.filter((s) => s.start < end && s.end > start));
      return isFile
        ? `the file name ${shorten(segment)} is ${bytes} bytes, more than the ${limit} a file name may have (${NAME_MAX_BYTES}, the file system's limit, less ${SIDECAR_EXTRA_BYTES} for its sidecar \`.<name>.stacflow.json.tmp\`), ${from}`
        : `the folder name ${shorten(segment)} is ${bytes} bytes, more than the ${NAME_MAX_BYTES} a name may have on the file system, ${from}`;
    }
    start = end + 1;
  }
  return undefined;
}

/** The last segment of an href's path, decoded once: `{filename}`. Undefined when it has none. */
export function filenameOf(href: string, s3Key?: string): string | undefined {
  if (s3Key !== undefined) return s3Key.slice(s3Key.lastIndexOf('/') + 1) || undefined;
  const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(href);
  const rawPath = match ? match[1] : href.split(/[?#]/)[0];
  const raw = rawPath.slice(rawPath.lastIndexOf('/') + 1);
  if (raw === '') return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
