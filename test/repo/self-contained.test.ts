import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The product, its tests and its benchmarks read nothing outside the repository: the team's shared folder
 * (`../shared`) is where fixtures come from, copied into test/fixtures with their provenance, never a place
 * read at run time (CI has it beside the clone, a user's machine does not).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const FOLDERS = ['src', 'operators', 'test', 'bench', 'bin', 'scripts'];
const CODE = /\.(ts|js|mjs|cjs)$/;
const OUTSIDE = /(?:\.\.\/)+shared\/|\/work\/shared\b/;

function codeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'node_modules' ? [] : codeFiles(full);
    return CODE.test(entry.name) ? [full] : [];
  });
}

test('no source, test or benchmark names a path in ../shared', () => {
  const files = FOLDERS.flatMap((folder) => codeFiles(path.join(ROOT, folder)));
  expect(files.length).toBeGreaterThan(100);
  const offenders = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (OUTSIDE.test(line) ? [`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
  expect(offenders).toEqual([]);
});
