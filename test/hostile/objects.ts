import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * What the hostile server serves when it answers honestly: real caminfo labels (test/fixtures/hostile/),
 * deterministic image bytes, and the generated hostile label texts (deep nesting, a large invalid label).
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));
const LABEL_FILES = ['TC1S2B0_01_07495N079E3030.caminfo.pvl', 'TC1S2B0_01_07496N087E3020.caminfo.pvl'];

/** The real labels, read once; good items take them in turn. */
export const GOOD_LABELS: readonly Buffer[] = LABEL_FILES.map((name) => readFileSync(FIXTURES + name));

/** `IncidenceAngle` as written in a label, read with a regex (not with stacflow's parser, which is under test). */
export function incidenceAngleOf(label: Buffer): number {
  const match = /^\s*IncidenceAngle\s*=\s*([-\d.eE+]+)/m.exec(label.toString('latin1'));
  if (!match) throw new Error('fixture label has no IncidenceAngle');
  return Number(match[1]);
}

/** 96 KiB of bytes derived from `key` (sha256 blocks): an image whose every byte is known. */
export function imageBytes(key: string, size = 96 * 1024): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < size; i++) blocks.push(createHash('sha256').update(`${key}#${i}`).digest());
  return Buffer.concat(blocks).subarray(0, size);
}

/** S3's ETag of a single-part object: its MD5 in quotes. */
export const md5Etag = (body: Buffer): string => `"${createHash('md5').update(body).digest('hex')}"`;

/** A multipart-style ETag (`"<hex>-2"`): no MD5 of the content, so nothing but the bytes themselves can be checked. */
export const multipartEtag = (body: Buffer): string => `"${createHash('md5').update(body).digest('hex')}-2"`;

/** `Object = O1` nested `depth` times and never closed (no End_Object, no End). */
export function deepUnclosedLabel(depth = 1000): Buffer {
  let text = '';
  for (let i = 1; i <= depth; i++) text += `Object = O${i}\n`;
  return Buffer.from(text);
}

/**
 * About `bytes` of valid-looking assignments inside an object, then a broken line and no end: the error sits at
 * the very end, after everything the grammar had to try (the case that took 14.6 s and 1.9 GB for 1.4 MB).
 */
export function largeInvalidLabel(bytes = 2 * 1024 * 1024): Buffer {
  const lines = ['Object = Caminfo', '  Group = Geometry'];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `    Keyword_${i} = (${i}.25, "text ${i}", ${i}) <km>`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push('    Broken = = ("unclosed', '');
  return Buffer.from(lines.join('\n'));
}

/** A PVL-looking line repeated to 64 KiB: the filler of endless label bodies. */
export const LABEL_FILLER = Buffer.from(`Comment = "${'x'.repeat(100)}"\n`.repeat(600));

/** 64 KiB of XML padding: the filler of an endless S3 error body. */
export const XML_FILLER = Buffer.from(`<Padding>${'p'.repeat(100)}</Padding>\n`.repeat(560));
