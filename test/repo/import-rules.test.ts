import { importCircles, importsOf, productFiles, type ImportEdge } from './import-graph.js';

/**
 * The folders' import rules (each folder's README.md says them in words) and no import circles, read from
 * the sources: a new import that breaks a rule fails here with the file and the line it should not have.
 */
const PRODUCT = ['src', 'operators'];
const files = productFiles(PRODUCT);
const graph = new Map<string, ImportEdge[]>(files.map((file) => [file, importsOf(file)]));

/** The domain folders: STAC, HTTP, S3, labels, PVL, downloads, rclone, catalogs. They know no pipeline. */
const DOMAIN = ['src/http', 'src/s3', 'src/stac', 'src/labels', 'src/pvl', 'src/download', 'src/rclone', 'src/catalog'];
/** The stage contract, which a source in a domain folder may build on (types only: erased at build). */
const STAGE_CONTRACT = ['src/engine/stage.ts', 'src/engine/context.ts', 'src/engine/demand.ts'];

const under = (file: string, folder: string): boolean => file === folder || file.startsWith(`${folder}/`);
const anyUnder = (file: string, folders: readonly string[]): boolean => folders.some((folder) => under(file, folder));

/** What `from` may not import: a reason, or undefined when the import is allowed. */
function broken(from: string, edge: ImportEdge): string | undefined {
  const to = edge.to;
  if (anyUnder(to, ['test', 'bench'])) return 'the product never imports tests or benchmarks';
  // The sandbox is a development workspace, absent from an installed package: loaded by `import()` only.
  if (under(to, 'sandbox') && !edge.typeOnly) return 'the product loads the sandbox with import() only (it may be absent)';
  if (under(from, 'src/cli')) return undefined;
  if (under(to, 'src/cli')) return 'only src/cli imports the CLI';
  if (under(from, 'operators')) return anyUnder(to, ['src/config', 'src/engine/run.ts', 'src/engine/report.ts']) ? 'a stage uses the stage contract, not the config front end or the run' : undefined;
  if (under(to, 'operators')) return 'only the CLI (and the registry) import operators';
  if (under(to, 'src/state') && !under(from, 'src/state')) return 'only the CLI opens the state (the engine gets it as RunStateStore)';
  if (under(to, 'src/report-html') && !under(from, 'src/report-html')) return 'only the CLI writes the HTML report';
  // The page is a view of a run: entry and engine types (the report, the watcher), util; no stage, no domain.
  if (under(from, 'src/report-html')) return anyUnder(to, ['src/report-html', 'src/util']) || (anyUnder(to, ['src/entry.ts', 'src/engine']) && edge.typeOnly) ? undefined : 'src/report-html imports util, and entry and engine types only';
  if (under(from, 'src/fields')) return anyUnder(to, ['src/entry.ts', 'src/errors.ts', 'src/util', 'src/fields']) ? undefined : 'src/fields imports entry, errors and util only';
  if (under(from, 'src/engine')) return anyUnder(to, ['src/config', 'src/fields', ...DOMAIN.filter((d) => d !== 'src/http' && d !== 'src/s3')]) ? 'the engine knows no stage domain and no config' : under(to, 'src/s3') && to !== 'src/s3/settings.ts' ? 'the engine reads S3Settings only' : undefined;
  if (under(from, 'src/config')) return under(to, 'src/engine') && !edge.typeOnly ? 'src/config imports engine types only' : undefined;
  // The state store answers the engine's contract (run-state.ts) without importing it, and knows no stage.
  if (under(from, 'src/state')) return anyUnder(to, ['src/state', 'src/errors.ts', 'src/util', 'src/version.ts']) || (to === 'src/entry.ts' && edge.typeOnly) ? undefined : 'src/state imports errors, util, version and entry types only';
  // Outputs at an s3:// prefix: the signed output client and the files staged for it; no pipeline, no catalog.
  if (under(from, 'src/remote-output')) return anyUnder(to, ['src/remote-output', 'src/s3', 'src/util', 'src/errors.ts']) ? undefined : 'src/remote-output imports s3, util and errors only';
  // Sharded runs: which items a shard keeps and the files it names; the engine runs them, the CLI asks.
  if (under(from, 'src/shard')) return anyUnder(to, ['src/catalog', 'src/download', 'src/labels', 'src/pvl', 'src/rclone', 'src/remote-output']) ? 'src/shard picks items and names files: it knows the search, no other stage domain' : undefined;
  // The merge reads shards' reports and catalogs and writes the pipeline's: catalogs, rclone, remote outputs.
  if (under(from, 'src/merge')) return anyUnder(to, ['src/stac', 'src/http', 'src/download', 'src/labels', 'src/pvl', 'src/fields']) ? 'src/merge reads files only: no API, no labels, no downloads' : undefined;
  if (anyUnder(from, DOMAIN) || under(from, 'src/util')) {
    // Catalogs name fields; the STAC filter extension speaks CQL2: those two domains may use src/fields.
    if (under(to, 'src/fields') && !anyUnder(from, ['src/catalog', 'src/stac'])) return 'domain code knows no filter language (but catalogs and STAC)';
    if (under(to, 'src/config')) return 'domain code knows no config';
    if (under(to, 'src/engine') && !(edge.typeOnly && STAGE_CONTRACT.includes(to))) return 'domain code imports from the engine only types of the stage contract';
    if (under(from, 'src/util') && anyUnder(to, DOMAIN)) return 'src/util is shared by every concern and imports none';
  }
  return undefined;
}

test('no import circles among the product sources (static imports, types included)', () => {
  expect(files.length).toBeGreaterThan(100);
  expect(importCircles(graph)).toEqual([]);
});

test('each folder imports only what its rules allow', () => {
  const violations: string[] = [];
  for (const [from, edges] of graph) {
    for (const edge of edges) {
      const reason = broken(from, edge);
      if (reason) violations.push(`${from} imports ${edge.to}${edge.typeOnly ? ' (type)' : ''}: ${reason}`);
    }
  }
  expect(violations).toEqual([]);
});

test('the circle finder finds a circle, a self-import, and no false one', () => {
  const edge = (to: string): ImportEdge => ({ to, typeOnly: false });
  const circular = new Map([['a', [edge('b')]], ['b', [edge('c')]], ['c', [edge('a')]], ['d', [edge('a')]], ['e', [edge('e')]]]);
  expect(importCircles(circular)).toEqual([['a', 'b', 'c'], ['e']]);
  expect(importCircles(new Map([['a', [edge('b')]], ['b', []]]))).toEqual([]);
});

test('the rules catch what they forbid', () => {
  expect(broken('src/labels/errors.ts', { to: 'src/engine/per-entry.ts', typeOnly: false })).toMatch(/stage contract/);
  expect(broken('src/engine/run.ts', { to: 'src/config/load.ts', typeOnly: true })).toMatch(/no config/);
  expect(broken('src/stac/item-search.ts', { to: 'src/engine/stage.ts', typeOnly: true })).toBeUndefined();
  expect(broken('src/stac/search-params.ts', { to: 'src/fields/cql2/parse-text.ts', typeOnly: false })).toBeUndefined();
  expect(broken('src/labels/fetch.ts', { to: 'src/fields/field-path.ts', typeOnly: false })).toMatch(/filter language/);
  expect(broken('src/cli/commands/demo.ts', { to: 'sandbox/src/index.ts', typeOnly: false })).toMatch(/sandbox/);
  expect(broken('src/engine/run.ts', { to: 'src/state/store.ts', typeOnly: false })).toMatch(/only the CLI opens the state/);
  expect(broken('src/state/store.ts', { to: 'src/engine/run-state.ts', typeOnly: true })).toMatch(/src\/state imports/);
});

test('type-only imports are told from imports that load a module', () => {
  // Parsed from this repository's own files, as the rules read them.
  const report = importsOf('src/engine/report.ts');
  expect(report.find((e) => e.to === 'src/engine/pipeline.ts')).toEqual({ to: 'src/engine/pipeline.ts', typeOnly: true });
  expect(report.find((e) => e.to === 'src/errors.ts')).toEqual({ to: 'src/errors.ts', typeOnly: false });
});
