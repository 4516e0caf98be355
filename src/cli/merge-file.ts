import { EXIT } from './exit-codes.js';
import { loadForRun } from './load-for-run.js';
import { createLogger } from './logger.js';
import type { MergeArgs } from './commands/merge.js';
import { MergeError } from '../merge/errors.js';
import { mergeShards } from '../merge/merge.js';

/** Runs `stacflow merge FILE`; resolves to the exit code (src/merge/merge.ts says which). */
export async function mergeFromFile(args: MergeArgs): Promise<number> {
  const plan = await loadForRun(args.file, args.set);
  if (plan === undefined) return EXIT.invalid;
  const log = createLogger({ level: args.quiet ? 'error' : 'info' });
  try {
    const result = await mergeShards({ plan, log, partial: args.partial, ...(args.shards !== undefined ? { shards: args.shards } : {}), ...(args.report ? { reportPath: args.report } : {}) });
    const { report } = result;
    const shards = report.shards;
    log.info(
      { report: result.reportPath, status: report.status, exit_code: result.exitCode, items: report.items, shards: { count: shards.count, completed: shards.completed.length, failed: shards.failed.length, missing: shards.missing.length, aborted: shards.aborted.length } },
      `merge: ${report.status}: ${shards.completed.length} of ${shards.count} shards merged, ${report.items.total} items (${report.items.failed} failed); report ${result.reportPath}`,
    );
    return result.exitCode;
  } catch (err) {
    if (!(err instanceof MergeError)) throw err;
    process.stderr.write(`stacflow merge: ${err.code}: ${err.message}\n`);
    return err.exitCode;
  }
}
