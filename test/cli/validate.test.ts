import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBin } from './run-bin.js';

async function pipelineFile(text: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'stacflow-cli-')), 'p.yaml');
  await writeFile(file, text);
  return file;
}

test('validate accepts the tutorial pipeline (exit 0) and names its stages', async () => {
  const result = await runBin('stacflow', ['validate', 'pipelines/kaguya-tc.yaml']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('pipelines/kaguya-tc.yaml: ok — kaguya-tc: stac_search → fetch_label → select → filter → download → rclone_manifest ⇒ csv\n');
});

test('validate reports every error with file:line:col and exits 2', async () => {
  const file = await pipelineFile(
    [
      'name: bad',
      'source:',
      '  stac_search:',
      '    api: https://example.test/api/',
      '    max_item: 3',
      'steps:',
      '  - selct: { a: id }',
      '  - filter: "gsd <"',
      'outputs:',
      '  - csv: {}',
      '',
    ].join('\n'),
  );
  const result = await runBin('stacflow', ['validate', file]);
  expect(result.code).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines.at(-1)).toBe(`4 errors in ${file}`);
  expect(lines.slice(0, 4)).toEqual([
    `${file}:5:5 source.stac_search.max_item: unknown option "max_item"; did you mean "max_items"?`,
    `${file}:7:5 steps[0].selct: unknown stage "selct"; did you mean "select"?`,
    `${file}:8:19 steps[1].filter: expected a property name, TRUE or FALSE, a string in single quotes, a number, a function name, a WKT geometry, "(", or "-" (CQL2 1:6)`,
    `${file}:10:10 outputs[0].csv.path: missing required option "path" (a non-empty string)`,
  ]);
});

test('run-pipeline exits 2 on an invalid pipeline without running anything', async () => {
  const file = await pipelineFile('name: x\nsource:\n  stac_search: { api: "${NO_SUCH_VARIABLE_HERE}" }\n');
  const result = await runBin('run-pipeline', [file]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`${file}:3:23 source.stac_search.api:`);
  expect(result.stderr).toContain('NO_SUCH_VARIABLE_HERE');
});

test('a usage error (no file) shows the help, says what is missing and exits 2', async () => {
  const result = await runBin('run-pipeline', []);
  expect(result.stderr).toContain('run-pipeline <file>');
  expect(result.stderr).toContain('ERR_USAGE: Not enough non-option arguments');
  expect(result.code).toBe(2);
});

test('a misspelt command or option gets the closest one and where the help is, not the whole help; exit 2', async () => {
  const command = await runBin('stacflow', ['serch', '--bbox', '1', '2', '3', '4']);
  expect(command.code).toBe(2);
  expect(command.stderr).toBe('stacflow: ERR_USAGE: unknown command "serch"; did you mean "search"? (stacflow --help says what each does)\n');
  const unknown = await runBin('stacflow', ['frobnicate']);
  expect(unknown.stderr).toMatch(/unknown command "frobnicate"; commands: run, search, collections, validate, status/);
  const option = await runBin('stacflow', ['run', 'pipelines/kaguya-tc.yaml', '--full-refrsh']);
  expect(option.code).toBe(2);
  expect(option.stderr).toBe('stacflow: ERR_USAGE: unknown option "--full-refrsh"; did you mean "--full-refresh"? (stacflow run --help lists the options)\n');
  const bin = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml', '--reconcle']);
  expect(bin.stderr).toBe('stacflow: ERR_USAGE: unknown option "--reconcle"; did you mean "--reconcile"? (run-pipeline --help lists the options)\n');
});

test('a flag a command checks itself (a rate above 1) is a usage error: one line, exit 2, no stack', async () => {
  const result = await runBin('stacflow', ['sandbox', '--fault-rate', '2']);
  expect(result).toMatchObject({ code: 2, stderr: 'stacflow: ERR_USAGE: --fault-rate must be between 0 and 1, got 2\n' });
});
