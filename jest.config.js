import { availableParallelism } from 'node:os';

/**
 * Jest with @swc/jest on native ESM (run under NODE_OPTIONS=--experimental-vm-modules), in two projects:
 * `default`, what `npm test` runs (under 2 minutes on 2 cores), and `slow`, the long cases below, which
 * `npm run test:all` (and so CI) runs as well. Every concern of a slow file keeps fast cases in `default`.
 */

/** The slow project's files, each with why it is slow and where its concern keeps fast coverage. */
export const SLOW_TEST_FILES = [
  // run-pipeline with a state SIGKILLed 20 times at random moments, then run to the end, through the bin
  // against a 20 ms sandbox: ~50 s. incremental/nights keeps three nights of the same pipeline in process.
  'test/incremental/kill-nine.test.ts',
  // Three nights through the bin against a fault-free and a 10%-faulty sandbox, twice (12 runs, stalls waited
  // out): ~45 s of CPU, ~80 s on a loaded machine. incremental/nights keeps three nights in process.
  'test/incremental/fault-nights.test.ts',
  // --schedule through the bin with a seconds cron: seven children, each running several times, ~20 s.
  // cli/status keeps three scheduled-shape runs and the status command.
  'test/cli/schedule.test.ts',
  // report.html of a real run opened in headless Chromium (~12 s), and 30,000 detailed footprints through the
  // collector and renderer in a child (~20 s). report-html/render.test.ts keeps a real run's page in process.
  'test/report-html/browser.test.ts',
  'test/report-html/large-run.test.ts',
  // The grammar (about 0.1 MB/s) against the fast parser on the corpus's two largest folders (ale/, isis3/):
  // ~3 min of CPU. The other folders and the USGS labels stay in pvl/differential.test.ts.
  'test/pvl/differential-large.test.ts',
  // 3,000 seeded mutations of corpus labels through the grammar: ~30 s of CPU.
  'test/pvl/differential-fuzz.test.ts',
  // Nine child processes under --trace-gc, each a 2 MB label through tsx: ~25 s. pvl/error-path.test.ts keeps
  // the located errors of long labels and one 2 MB label through the bin.
  'test/pvl/error-path-memory.test.ts',
  // kaguya-tc through the bin four times against faulty sandboxes, one run waiting out give_up_after on
  // silent objects: ~80 s. Faults keep sandbox/faults, stac/run-pipeline-faults, stac/transport-faults and
  // download/engine-faults.
  'test/faults/fault-run.test.ts',
  // The remaining hostile cases, one bin run each, most waiting out a head, low-speed or give-up deadline:
  // ~40 s a file. hostile/labels.test.ts and hostile/downloads.test.ts keep a fast case of each kind.
  'test/hostile/labels-more.test.ts',
  'test/hostile/downloads-more.test.ts',
  // The STAC API cases of hostile/stac.test.ts that wait out deadlines or walk deep JSON (six runs, ~12 s of
  // CPU); hostile/stac.test.ts keeps the credentials on a cross-origin next link and hostile item ids.
  'test/hostile/stac-more.test.ts',
  // Symlinks, FIFOs, `-` and alias bombs through the bin (seven runs, ~15 s); download/local-files,
  // util/outputs-run, util/temp-output-file and cli/config-bombs test the same in process.
  'test/hostile/paths.test.ts',
  // The tutorial end to end: two runs of kaguya-tc through the bin, then rclone copies its manifest (~8 s of
  // CPU). cli/run-pipeline keeps the tutorial's run, the demo and an unreachable API; rclone/rclone-copy the
  // manifest through rclone.
  'test/cli/tutorial-e2e.test.ts',
  // A multipart download SIGKILLed in a child process (through tsx) and resumed: ~7 s of CPU. The download
  // engine keeps download/engine (a killed download resumes from its .part) and download/durable-parts.
  'test/download/killed-parts.test.ts',
  // `items` through the bin on a 60 MB FeatureCollection and a 60 MB NDJSON file under a 48 MB heap: ~12 s.
  // The items source keeps operators/items (and the ndjson and geojson writers theirs).
  'test/catalog/item-file-memory.test.ts',
  // `stacflow cql2` through the bin, five runs (~2 s of CPU each to start). Parsing, printing and evaluating CQL2
  // keep fields/cql2 (the corpus included); the CLI's start and exit codes keep cli/startup and cli/validate.
  'test/cli/cql2.test.ts',
  // The sandbox's own fault injection (the development workspace's, not the product's), 21 cases against live
  // servers: ~7 s. The product's behaviour under faults keeps download/engine-faults and stac/transport-faults.
  'test/sandbox/faults.test.ts',
  // `stacflow sandbox` with faults started from the sources through tsx, four times: ~25 s. The sandbox
  // command keeps sandbox/command and sandbox/s3-command.
  'test/sandbox/fault-command.test.ts',
];

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  setupFilesAfterEnv: ['<rootDir>/test/helpers/byte-equality.ts'],
};

const escape = (file) => file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export default {
  testTimeout: 30000,
  // Jest's default is one worker fewer than cores: one on 2 cores, every file after another. Many files wait on
  // deadlines, backoffs and servers with the CPU idle (s3/hostile: 2 s of CPU in 14 s), so 1.5 workers a core
  // overlap those waits: the default project took 132 s with 2 workers, 104 s with 3, on 2 cores. (A number:
  // jest reads '150%' as 150 workers, since it takes percentages up to 100% only.)
  maxWorkers: Math.max(2, Math.floor(availableParallelism() * 1.5)),
  projects: [
    {
      ...shared,
      displayName: 'default',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...SLOW_TEST_FILES.map((file) => `<rootDir>/${escape(file)}$`)],
    },
    {
      ...shared,
      displayName: 'slow',
      testMatch: SLOW_TEST_FILES.map((file) => `<rootDir>/${file}`),
    },
  ],
};
