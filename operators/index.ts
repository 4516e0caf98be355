import type { Stage, StageKind } from '../src/engine/stage.js';
import { csv } from './csv.js';
import { download } from './download.js';
import { fetchLabel } from './fetch-label.js';
import { geojson } from './geojson.js';
import { geoparquet } from './geoparquet.js';
import { items } from './items.js';
import { ndjson } from './ndjson.js';
import { filter } from './filter.js';
import { rcloneManifest } from './rclone-manifest.js';
import { select } from './select.js';
import { stacSearch } from './stac-search.js';

/**
 * The stage registry: every stage a pipeline file may name, by its YAML name. A new stage is one file in
 * operators/ plus one line here; `stacflow stages`, validation and the JSON Schema all read this map.
 */
export const STAGES: ReadonlyMap<string, Stage> = new Map(
  ([stacSearch, items, fetchLabel, select, filter, download, rcloneManifest, csv, ndjson, geojson, geoparquet] as Stage[]).map((stage) => [stage.name, stage]),
);

export function stagesOfKind(kind: StageKind): Stage[] {
  return [...STAGES.values()].filter((stage) => stage.kind === kind);
}
