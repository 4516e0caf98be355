import type { Argv } from 'yargs';
import { StacflowError } from '../errors.js';
import { didYouMean, suggestionSuffix } from '../util/did-you-mean.js';
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
  } catch (caught) {
    // Said already, as a JSON line (a run off a TTY): only its exit code is left to give.
    const said = caught instanceof AlreadySaidError;
    const err = said ? caught.error : caught;
    if (said) {
      process.exitCode = err instanceof StacflowError && INVALID_USE.has(err.code) ? EXIT.invalid : EXIT.aborted;
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      process.exit(process.exitCode);
    }
    const prefix = err instanceof StacflowError ? `${err.code}: ` : '';
    process.stderr.write(`stacflow: ${prefix}${err instanceof Error ? err.message : String(err)}\n`);
    if (!(err instanceof StacflowError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof StacflowError && INVALID_USE.has(err.code) ? EXIT.invalid : EXIT.aborted;
  }
  // Keep-alive sockets and timers must not hold the process open after the work is done.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(process.exitCode ?? 0);
}

/** An expected error the command has already said in its own format (a JSON line off a TTY); runMain adds nothing. */
export class AlreadySaidError extends Error {
  constructor(readonly error: StacflowError) {
    super(error.message);
  }
}

/** Codes of errors in what was asked (the pipeline, the command line, a command this install lacks): exit 2. */
const INVALID_USE = new Set(['ERR_CONFIG', 'ERR_USAGE', 'ERR_NO_SANDBOX']);

/** A command line yargs cannot make sense of: exit code 2, as DESIGN.md says for usage errors. */
export class UsageError extends StacflowError {
  constructor(message: string) {
    super('ERR_USAGE', message, { errorClass: 'fatal' });
  }
}

/**
 * yargs' failure handler: end with a UsageError (yargs itself would exit 1). A misspelt command or option is
 * answered with the closest one (`stacflow serch` → did you mean "search"?) and where the help is, not the
 * whole help; other usage errors (a missing argument) show the help first.
 */
export function failAsUsageError<T>(yargs: Argv<T>, { bin = 'stacflow', argv = [], commands = [] }: { bin?: string; argv?: readonly string[]; commands?: readonly string[] } = {}): Argv<T> {
  return yargs.fail((message, err, instance) => {
    // A `.check()` that threw: yargs hands its message too (a handler's error comes without one). It is about
    // the command line, so a usage error (exit 2, no stack); anything else thrown goes on as it is.
    if (err && message !== null && message === err.message && !(err instanceof StacflowError)) throw new UsageError(message);
    if (err) throw err;
    const unknown = /^Unknown arguments?: (.+)$/.exec(message ?? '');
    // getOptions() is yargs' own (not in its types): the options of the command being parsed (yargs applies a
    // command's builder to this same instance).
    const options = (yargs as unknown as { getOptions?: () => { key?: Record<string, unknown> } }).getOptions?.().key ?? {};
    if (unknown) throw new UsageError(unknownWords(unknown[1].split(', '), { bin, argv, commands, options: Object.keys(options) }));
    instance.showHelp((text) => process.stderr.write(`${text}\n\n`));
    throw new UsageError(message);
  });
}

/** `unknown command "serch"; did you mean "search"? (stacflow --help says what each does)`, and the same for options. */
function unknownWords(words: readonly string[], cli: { bin: string; argv: readonly string[]; commands: readonly string[]; options: readonly string[] }): string {
  const kebab = (word: string) => word.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  // yargs names an unknown option without its dashes, and again camelCased: one message per word typed.
  const typed = [...new Set(words.map(kebab))];
  const firstWord = cli.argv.find((arg) => !arg.startsWith('-'));
  const help = `${cli.bin}${firstWord !== undefined && cli.commands.includes(firstWord) ? ` ${firstWord}` : ''} --help`;
  // An unknown command: the rest of the line was meant for it, so that is the one thing to say.
  if (firstWord !== undefined && cli.commands.length > 0 && !cli.commands.includes(firstWord) && typed.includes(firstWord)) {
    return `unknown command "${firstWord}"${suggestionSuffix(firstWord, cli.commands, 'commands')} (${cli.bin} --help says what each does)`;
  }
  return typed
    .map((word) => {
      const asOption = cli.argv.some((arg) => arg === `--${word}` || arg.startsWith(`--${word}=`) || arg === `-${word}`);
      if (!asOption) return `unexpected argument "${word}" (${help} shows the usage)`;
      const close = didYouMean(word, cli.options.filter((o) => o.length > 1 && o === kebab(o)));
      return `unknown option "--${word}"${close ? `; did you mean "--${close}"?` : ''} (${help} lists the options)`;
    })
    .join('; ');
}
