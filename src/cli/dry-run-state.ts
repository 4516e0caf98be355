import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { PlannedState } from './dry-run-types.js';

/**
 * The pipeline's state as the dry run sees it, read only (no lock taken, nothing created): how many items it
 * holds by status, and what a run would skip. A state that does not exist yet stays so.
 */
export async function plannedState(file: string | undefined, fullRefresh: boolean): Promise<PlannedState | null> {
  if (file === undefined) return null;
  const location = path.resolve(file); // as run-file.ts opens it: from the working directory
  const exists = await stat(location).then((s) => s.isFile(), () => false);
  if (!exists) return { path: location, exists, skips: 'nothing: the state does not exist yet (the run creates it and works every item)' };
  const { openStateStore } = await import('../state/store.js');
  const store = await openStateStore(location, { readOnly: true, root: process.cwd() });
  try {
    const items = { ...store.itemCounts() } as Record<string, number>;
    const skips = fullRefresh
      ? 'nothing (--full-refresh): every item is worked again'
      : `the ${items.done ?? 0} items done, when unchanged (same version), and the ${items.given_up ?? 0} given up; the ${items.failed ?? 0} failed are worked again`;
    return { path: location, exists, items, cursor: store.cursor() ?? null, skips };
  } finally {
    store.close();
  }
}
