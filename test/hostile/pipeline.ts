import type { ScenarioHandle } from './server.js';

/**
 * The pipeline file of a hostile run: the tutorial's job (search → fetch_label → select → download → csv)
 * against one scenario of the hostile server, with short deadlines in its `http:` section so a case takes
 * seconds, not the defaults' minutes. Size limits keep their defaults (16 MiB labels, 64 MiB pages): those are
 * what must hold memory under 300 MB.
 */

/** The `http:` section of every hostile run. */
export const FAST_LIMITS = Object.freeze({
  connect_timeout: '2s',
  head_timeout: '2s',
  low_speed_limit: '1KiB',
  low_speed_time: '2s',
  request_timeout: '4s',
  retries: 1,
  retry_base_delay: '100ms',
  retry_max_delay: '200ms',
  give_up_after: '10s',
});

/**
 * A whole hostile run: start-up (~1-2 s) and the slowest failing object under FAST_LIMITS ((retries + 1)
 * attempts of at most request_timeout, plus backoffs: ~8 s), with room for five runs sharing two busy cores
 * (measured: 5-23 s). Slower means a limit did not hold; a hang is killed at WALL_CLOCK_MS.
 */
export const RUN_DEADLINE_MS = 40_000;
/** The harness kills a run after this (the bound is 6 minutes; ours is far below it to keep the suite short). */
export const WALL_CLOCK_MS = 60_000;

export interface PipelineOptions {
  /** `stac_search.api` (default: the scenario's plain-HTTP root). */
  api?: string;
  /** `stac_search.headers`. */
  headers?: Record<string, string>;
  /** Extra `select` entries (name → field path). */
  select?: Record<string, string>;
  /** `csv.path` (default out/hostile.csv). */
  csvPath?: string;
  /** Replaces FAST_LIMITS keys. */
  http?: Record<string, string | number>;
}

/** JSON is YAML: every value is written as JSON so no quoting can go wrong. */
const j = (value: unknown): string => JSON.stringify(value);

export function pipelineYaml(scenario: ScenarioHandle, options: PipelineOptions = {}): string {
  const http = { ...FAST_LIMITS, ...options.http };
  const select = { incidence_angle: 'caminfo.Caminfo.Geometry.IncidenceAngle', ...options.select };
  return [
    'name: hostile',
    `s3: { region: us-east-1, anonymous: true, endpoint: ${j(scenario.s3Endpoint)} }`,
    `http: ${j(http)}`,
    'source:',
    '  stac_search:',
    `    api: ${j(options.api ?? scenario.api)}`,
    '    collections: [hostile]',
    ...(options.headers ? [`    headers: ${j(options.headers)}`] : []),
    'steps:',
    '  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: 4 }',
    `  - select: ${j(select)}`,
    '  - download: { assets: [image], to: "data/{collection}/{id}/", concurrency: 4 }',
    'outputs:',
    `  - csv: { path: ${j(options.csvPath ?? 'out/hostile.csv')} }`,
    '',
  ].join('\n');
}
