/** Helpers for the catalog tests: real Kaguya TC items, item files, and pipelines run as the CLI runs them. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import { runPipeline, type RunResult } from '../../src/engine/run.js';
import type { StacItem } from '../../src/entry.js';

export const KAGUYA_IDS = ['TC1S2B0_01_07495N079E3030', 'TC1S2B0_01_07496N087E3020', 'TC1S2B0_01_07496N183E3021'] as const;

/** The three real Kaguya TC items of test/fixtures/usgs/stac, as the USGS API serves them. */
export const kaguyaItems = (): StacItem[] =>
  KAGUYA_IDS.map((id) => JSON.parse(readFileSync(new URL(`../fixtures/usgs/stac/item_kaguya_tc_monoscopic_${id}.json`, import.meta.url), 'utf8')) as StacItem);

export const tempDir = (name: string): Promise<string> => mkdtemp(path.join(tmpdir(), `stacflow-${name}-`));

export async function writeNdjson(file: string, lines: ReadonlyArray<unknown>): Promise<string> {
  await writeFile(file, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
  return file;
}

/** Runs a pipeline file's text with the real stage registry (the report beside it, logs silent). */
export async function runYaml(yaml: string, dir: string, options: { highWater?: number } = {}): Promise<RunResult> {
  const pipeline = parsePipeline(yaml, path.join(dir, 'pipeline.yaml'), STAGES, {});
  return runPipeline(pipeline, { log: pino({ level: 'silent' }), reportPath: path.join(dir, 'report.json'), ...options });
}

export const readLines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');

/**
 * What makes a JSON text a STAC Item, structurally (STAC 1.0 item-spec required members): a Feature with
 * stac_version, a non-empty id, geometry (null or a GeoJSON geometry; then a bbox), properties with a
 * datetime (or start_ and end_datetime when null), assets and links.
 */
export function stacItemProblems(value: unknown): string[] {
  const problems: string[] = [];
  const item = value as Record<string, unknown>;
  if (item?.type !== 'Feature') problems.push('type is not Feature');
  if (typeof item?.stac_version !== 'string') problems.push('no stac_version');
  if (typeof item?.id !== 'string' || item.id === '') problems.push('no id');
  if (!('geometry' in item)) problems.push('no geometry');
  else if (item.geometry !== null) {
    if (typeof (item.geometry as { type?: unknown }).type !== 'string') problems.push('geometry has no type');
    if (!Array.isArray(item.bbox) || ![4, 6].includes(item.bbox.length)) problems.push('geometry without a bbox');
  }
  const properties = item?.properties as Record<string, unknown> | undefined;
  if (typeof properties !== 'object' || properties === null) problems.push('no properties');
  else if (!('datetime' in properties)) problems.push('no properties.datetime');
  else if (properties.datetime === null && (typeof properties.start_datetime !== 'string' || typeof properties.end_datetime !== 'string')) problems.push('null datetime without start/end');
  if (typeof item?.assets !== 'object' || item.assets === null || Array.isArray(item.assets)) problems.push('no assets');
  else for (const [key, asset] of Object.entries(item.assets)) if (typeof (asset as { href?: unknown }).href !== 'string') problems.push(`asset ${key} has no href`);
  if (!Array.isArray(item?.links)) problems.push('no links');
  if (item?.stac_extensions !== undefined && !(Array.isArray(item.stac_extensions) && item.stac_extensions.every((e) => typeof e === 'string'))) problems.push('stac_extensions not a list of URLs');
  return problems;
}
