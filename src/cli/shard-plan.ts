import { writeFile, rename } from 'node:fs/promises';
import { loadForRun } from './load-for-run.js';
import { EXIT } from './exit-codes.js';
import { createLogger } from './logger.js';
import { makeDatetimePlan } from '../shard/plan-make.js';
import { planTable } from '../shard/plan-table.js';

export interface PlanArgs {
  file: string;
  shards: number;
  out?: string;
  set?: string[];
  maxRequests?: number;
  quiet?: boolean;
}

/**
 * `stacflow plan FILE --shards N`: the plan written to `--out` (default `<pipeline name>.plan.json`; `--out=-`:
 * standard output, the table then goes to stderr) and its table printed. Exit 2 for an invalid pipeline or a
 * search windows cannot split; 1 when the API fails.
 */
export async function planFromFile(args: PlanArgs): Promise<number> {
  const pipeline = await loadForRun(args.file, args.set ?? []);
  if (pipeline === undefined) return EXIT.invalid;
  const log = createLogger({ level: args.quiet ? 'error' : 'warn' });
  const plan = await makeDatetimePlan(pipeline, { shards: args.shards, ...(args.maxRequests !== undefined ? { maxRequests: args.maxRequests } : {}), log });
  const text = `${JSON.stringify(plan, null, 2)}\n`;
  const out = args.out ?? `${pipeline.name}.plan.json`;
  if (out === '-') process.stdout.write(text);
  else {
    // Written aside and renamed: a shard starting meanwhile reads the old plan or the new one, never half.
    const temp = `${out}.tmp-${process.pid}`;
    await writeFile(temp, text);
    await rename(temp, out);
  }
  if (!args.quiet) {
    const table = `${planTable(plan)}${out === '-' ? '' : `\nplan written to ${out}: run shard I of ${plan.shards} with run-pipeline ${pipeline.file} --shard I/${plan.shards} --plan ${out}`}\n`;
    (out === '-' ? process.stderr : process.stdout).write(table);
  }
  return EXIT.done;
}
