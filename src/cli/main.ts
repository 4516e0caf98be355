import type { Argv } from 'yargs';
import { StacflowError } from '../errors.js';
import { EXIT } from './exit-codes.js';

/**
 * Runs a CLI entry point and exits with its code once stdout and stderr are flushed. An error that
 * escapes is a bug or an aborted run: say what it was (with its code) and exit 1.
 */
export async function runMain(main: () => Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (err) {
    const prefix = err instanceof StacflowError ? `${err.code}: ` : '';
    process.stderr.write(`stacflow: ${prefix}${err instanceof Error ? err.message : String(err)}\n`);
    if (!(err instanceof StacflowError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof StacflowError && (err.code === 'ERR_CONFIG' || err.code === 'ERR_USAGE') ? EXIT.invalid : EXIT.aborted;
  }
  // Keep-alive sockets and timers must not hold the process open after the work is done.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(process.exitCode ?? 0);
}

/** A command line yargs cannot make sense of: exit code 2, as DESIGN.md says for usage errors. */
export class UsageError extends StacflowError {
  constructor(message: string) {
    super('ERR_USAGE', message, { errorClass: 'fatal' });
  }
}

/** yargs' failure handler: show the help, then end with a UsageError (yargs itself would exit 1). */
export function failAsUsageError<T>(yargs: Argv<T>): Argv<T> {
  return yargs.fail((message, err, instance) => {
    if (err) throw err;
    instance.showHelp((text) => process.stderr.write(`${text}\n\n`));
    throw new UsageError(message);
  });
}
