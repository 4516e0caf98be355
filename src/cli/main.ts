import type { Argv } from 'yargs';
import { StacflowError } from '../errors.js';
import { EXIT } from './exit-codes.js';

/**
 * Runs a CLI entry point and exits with its code once stdout and stderr are flushed. An error that
 * escapes is a bug or an aborted run: say what it was (with its code) and exit 1.
 */
export async function runMain(main: () => Promise<unknown>): Promise<void> {
  // The reader of stdout went away (`stacflow cql2 ... --items f | head`): stop quietly, as Unix tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  try {
    await main();
  } catch (err) {
    const prefix = err instanceof StacflowError ? `${err.code}: ` : '';
    process.stderr.write(`stacflow: ${prefix}${err instanceof Error ? err.message : String(err)}\n`);
    if (!(err instanceof StacflowError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof StacflowError && INVALID_USE.has(err.code) ? EXIT.invalid : EXIT.aborted;
  }
  // Keep-alive sockets and timers must not hold the process open after the work is done.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(process.exitCode ?? 0);
}

/** Codes of errors in what was asked (the pipeline, the command line, a command this install lacks): exit 2. */
const INVALID_USE = new Set(['ERR_CONFIG', 'ERR_USAGE', 'ERR_NO_SANDBOX']);

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
