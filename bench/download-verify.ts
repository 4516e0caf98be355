import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { md5File, type BenchObject } from './download-objects.js';

/**
 * After each run: every object is at its place with its size, nothing half-written is left (`*.part`), and a
 * sample of files (a different one each round, always one large object) hashes as its source does. So a
 * fast run is never a run that skipped or garbled work.
 */

export interface Verified {
  files: number;
  bytes: number;
  hashed: number;
}

export async function verifyDestination(options: {
  tool: string;
  objects: readonly BenchObject[];
  /** Where the tool should have put each object. */
  placeOf: (object: BenchObject) => string;
  dest: string;
  round: number;
  sourceMd5: (object: BenchObject) => Promise<string>;
}): Promise<Verified> {
  const { tool, objects, placeOf } = options;
  const problems: string[] = [];
  let bytes = 0;
  for (const object of objects) {
    const file = placeOf(object);
    const size = await stat(file).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) problems.push(`missing ${file}`);
    else if (size !== object.bytes) problems.push(`${file}: ${size} bytes, expected ${object.bytes}`);
    else bytes += size;
  }
  const leftovers = (await listFiles(options.dest)).filter((file) => file.endsWith('.part'));
  problems.push(...leftovers.map((file) => `left behind: ${file}`));

  let hashed = 0;
  if (problems.length === 0) {
    for (const object of sample(objects, options.round)) {
      const [got, want] = await Promise.all([md5File(placeOf(object)), options.sourceMd5(object)]);
      hashed += 1;
      if (got !== want) problems.push(`${placeOf(object)}: MD5 ${got}, the source's is ${want}`);
    }
  }
  if (problems.length > 0) throw new Error(`${tool} round ${options.round + 1}: the destination is wrong:\n  ${problems.slice(0, 10).join('\n  ')}`);
  return { files: objects.length, bytes, hashed };
}

/** Every 8th small object (offset by the round) and one large object (taking turns). */
function sample(objects: readonly BenchObject[], round: number): BenchObject[] {
  const largest = Math.max(...objects.map((o) => o.bytes));
  const large = objects.filter((o) => o.bytes === largest);
  const small = objects.filter((o) => o.bytes !== largest);
  const picked = small.filter((_, i) => i % 8 === round % 8);
  if (large.length > 0) picked.push(large[round % large.length]!);
  return picked;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
