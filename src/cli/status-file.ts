import { stat } from 'node:fs/promises';
import { loadForRun } from './load-for-run.js';
import path from 'node:path';
import { openStateStore } from '../state/store.js';
import { EXIT } from './exit-codes.js';
import { UsageError } from './main.js';
import { statusItem, statusRun, type StatusReport } from './status-report.js';
import { statusText } from './status-text.js';
import { shardFrom, shardPath, shardTag } from '../shard/shard-spec.js';

export interface StatusArgs {
  file: string;
  json?: boolean;
  /** How many runs to show, the most recent first. */
  runs?: number;
  /** How many failed and given-up items to list, the most recent first. */
  items?: number;
  /** `--shard I/N` (or `--shards N` with the scheduler's index variable): that shard's state. */
  shard?: string;
  shards?: number;
  /** `--set PATH=VALUE`, as the runs had them. */
  set?: string[];
}

/**
 * `stacflow status FILE`: what the pipeline's state says, read only (no lock taken, nothing written), so it
 * works while a run is going (WAL: a reader sees the last commit). Resolves to the exit code.
 */
export async function statusOfFile(args: StatusArgs): Promise<number> {
  // With the --set options the runs were given (`--set state=...` in deploy/kubernetes): the same state file.
  const plan = await loadForRun(args.file, args.set);
  if (plan === undefined) return EXIT.invalid;
  if (plan.state === undefined) throw new UsageError(`${args.file}: this pipeline has no \`state:\`, so there is no history to show (add e.g. state: out/${plan.name}.sqlite)`);
  // A shard's state is its own file (src/shard/shard-files.ts names it the same way).
  const shard = shardFrom(args);
  // Resolved as run-file.ts opens it: from the working directory.
  const location = path.resolve(shard ? shardPath(plan.state, shard) : plan.state);
  if (!(await isFile(location))) {
    const run = shard ? `run-pipeline ${args.file} --shard ${shard.index}/${shard.count}` : `run-pipeline ${args.file}`;
    throw new UsageError(`${args.file}: its ${shard ? `${shardTag(shard)} ` : ''}state ${location} does not exist yet: run the ${shard ? 'shard' : 'pipeline'} once (${run})`);
  }

  const store = await openStateStore(location, { readOnly: true, root: process.cwd() });
  let report: StatusReport;
  try {
    report = statusReport(store, plan.name, args);
  } finally {
    store.close();
  }
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : statusText(report));
  return EXIT.done;
}

function statusReport(store: Awaited<ReturnType<typeof openStateStore>>, pipeline: string, args: StatusArgs): StatusReport {
  const items = store.itemCounts();
  const attention = store.needingAttention(args.items ?? 20).map((item) => ({ status: item.status, item: statusItem(item) }));
  const failed = attention.filter((a) => a.status === 'failed').map((a) => a.item);
  const givenUp = attention.filter((a) => a.status === 'given_up').map((a) => a.item);
  return {
    pipeline,
    file: args.file,
    state: store.location,
    cursor: store.cursor() ?? null,
    running: store.lockHolder() ?? null,
    items,
    pending: items.failed,
    runs: store.recentRuns(args.runs ?? 10).map(statusRun),
    failed,
    given_up: givenUp,
    not_listed: items.failed + items.given_up - attention.length,
  };
}

const isFile = (file: string): Promise<boolean> =>
  stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
