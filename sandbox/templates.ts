import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../src/package-root.js';
import type { StacItem } from '../src/entry.js';
import { deepFreeze } from '../src/util/deep-freeze.js';

/** The copied real and synthesized USGS files the sandbox is made from (see data/PROVENANCE.md). */
export interface Templates {
  /** The real item every generated item is shaped after. */
  item: StacItem;
  /** Collections as stac-server v4 lists them, by id. */
  collections: ReadonlyMap<string, Record<string, unknown>>;
  landing: Record<string, unknown>;
  conformsTo: readonly string[];
}

// The data lives in sandbox/data beside these sources (also when running compiled from dist/sandbox/).
const DATA = pathToFileURL(`${packagePath('sandbox', 'data')}/`);
const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, DATA), 'utf8')) as T;

let loaded: Templates | undefined;

/** Reads the data files once per process; every sandbox shares them (they are never mutated). */
export function templates(): Templates {
  if (!loaded) {
    const list = readJson<{ collections: Array<Record<string, unknown> & { id: string }> }>('collections.stac-server-v4.json');
    loaded = deepFreeze({
      item: readJson<StacItem>('kaguya-tc-item.TC1S2B0_01_07496N087E3020.json'),
      collections: new Map(list.collections.map((c) => [c.id, c])),
      landing: readJson<Record<string, unknown>>('landing-page.stac-server-v4.json'),
      conformsTo: readJson<{ conformsTo: string[] }>('conformance.stac-server-v4.json').conformsTo,
    });
  }
  return loaded;
}

