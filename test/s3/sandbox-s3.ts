/** A small sandbox (STAC API + S3) for the S3 client tests, with one item missing and one forbidden. */
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog, startSandbox, type Sandbox } from '../../sandbox/index.js';
import type { StacItem } from '../../src/entry.js';
import type { S3Settings } from '../../src/s3/settings.js';

export const SEED = 7;
export const COLLECTIONS = KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 10 }));

/** The catalog the sandbox will serve, known before it starts (to choose missing and forbidden items). */
export const CATALOG = new SandboxCatalog(SEED, COLLECTIONS);
const ENTRIES = [...CATALOG.entries()];
export const PRESENT = ENTRIES[3];
export const MISSING = ENTRIES[4];
export const FORBIDDEN = ENTRIES[5];

export interface S3Fixture {
  sandbox: Sandbox;
  settings: S3Settings;
  item(entry: { collection: string; id: string }): StacItem;
}

export async function startS3Fixture(): Promise<S3Fixture> {
  const sandbox = await startSandbox({ seed: SEED, collections: COLLECTIONS, s3: { missing: [MISSING.id], forbidden: [FORBIDDEN.id] } });
  return {
    sandbox,
    settings: { region: 'us-west-2', anonymous: true, endpoint: sandbox.s3Endpoint },
    item: (entry) => sandbox.catalog.item(entry.collection, entry.id)!,
  };
}
