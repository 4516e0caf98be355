/** A small sandbox (STAC catalog + S3) and helpers for the download tests: 256 KiB images, thresholds in KiB. */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { download, downloadOptions } from '../../operators/download.js';
import { newEntry, type Entry, type StacItem } from '../../src/entry.js';
import type { StageContext } from '../../src/engine/stage.js';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { TEST_LIMITS, stepOf, testContext } from '../helpers/context.js';

export const SEED = 5;
export const IMAGE_BYTES = 256 * 1024;
const COLLECTIONS = KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 6 }));
export const CATALOG = new SandboxCatalog(SEED, COLLECTIONS);
export const ENTRIES = [...CATALOG.entries()];

export function startDownloadSandbox(s3: { missing?: string[]; forbidden?: string[] } = {}): Promise<Sandbox> {
  return startSandbox({ seed: SEED, collections: COLLECTIONS, s3: { imageBytes: IMAGE_BYTES, objects: 'none', ...s3 } });
}

export const itemOf = (sandbox: Sandbox, n: number): StacItem => {
  const { collection, id } = ENTRIES[n];
  return sandbox.catalog.item(collection, id) as StacItem;
};

export function stepContext(sandbox: Sandbox, label = 'download'): StageContext {
  return testContext(label, { s3: { region: 'us-west-2', anonymous: true, endpoint: sandbox.s3Endpoint, limits: TEST_LIMITS } });
}

export async function runStep(options: Record<string, unknown>, items: StacItem[], ctx: StageContext): Promise<Entry[]> {
  const operator = stepOf(download, downloadOptions.parse(options), ctx);
  return lastValueFrom(from(items.map(newEntry)).pipe(operator, toArray()));
}

export const tempDir = (name: string): Promise<string> => mkdtemp(path.join(tmpdir(), `stacflow-${name}-`));

/** Every file under `dir`, relative, sorted (hidden sidecars included). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

/** The requests for one item's image, as `METHOD range if-match`. */
export function imageRequests(sandbox: Sandbox, id: string): Array<{ method: string; range?: string; ifMatch?: string; status: number }> {
  return (sandbox.s3?.requests ?? [])
    .filter((r) => r.key?.endsWith(`/${id}.tif`))
    .map((r) => ({ method: r.method, range: r.headers.range as string | undefined, ifMatch: r.headers['if-match'] as string | undefined, status: r.status }));
}
