import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// jest.config.js: `npm test` runs the default project, `npm run test:all` the slow one too. A slow file that was
// renamed or moved would leave the slow list and make every `npm test` minutes longer.

const ROOT = path.resolve(import.meta.dirname, '../..');
interface Project {
  displayName: string;
  testMatch: string[];
  testPathIgnorePatterns?: string[];
  setupFilesAfterEnv: string[];
}
const config = (await import(pathToFileURL(path.join(ROOT, 'jest.config.js')).href)) as { SLOW_TEST_FILES: string[]; default: { projects: Project[] } };
const testFiles = readdirSync(path.join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => `test/${file.split(path.sep).join('/')}`);
const project = (name: string): Project => config.default.projects.find((p) => p.displayName === name)!;
const ignoredByDefault = (file: string): boolean =>
  (project('default').testPathIgnorePatterns ?? []).some((pattern) => new RegExp(pattern.replace('<rootDir>', ROOT)).test(path.join(ROOT, file)));

test('every file of the slow list exists', () => {
  expect(config.SLOW_TEST_FILES.filter((file) => !existsSync(path.join(ROOT, file)))).toEqual([]);
  expect(config.SLOW_TEST_FILES.length).toBeGreaterThan(0);
});

test('each test file is in one project: the slow list in `slow`, every other one in `default`', () => {
  expect(testFiles.filter(ignoredByDefault).sort()).toEqual([...config.SLOW_TEST_FILES].sort());
  expect(project('slow').testMatch.map((pattern) => pattern.replace('<rootDir>/', '')).sort()).toEqual([...config.SLOW_TEST_FILES].sort());
});

test('both projects compare byte arrays by their bytes (test/helpers/byte-equality.ts)', () => {
  for (const name of ['default', 'slow']) expect(project(name).setupFilesAfterEnv).toEqual(['<rootDir>/test/helpers/byte-equality.ts']);
});
