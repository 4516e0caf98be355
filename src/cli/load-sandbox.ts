import { StacflowError } from '../errors.js';

/**
 * Loads the development sandbox (sandbox/ at the repository root: a STAC API and an S3 endpoint on 127.0.0.1)
 * for `stacflow demo` and `stacflow sandbox`, and only for them. It is a workspace of the git checkout,
 * compiled with the product into dist/sandbox/, and left out of the npm package with its dependency s3rver:
 * an installed stacflow has neither, and these commands then say so instead of failing on an import.
 */

/** The sandbox is not installed here (a stacflow installed from npm, or a checkout without `npm ci`): exit code 2. */
export class SandboxNotInstalledError extends StacflowError {
  constructor(command: string, cause: unknown) {
    super(
      'ERR_NO_SANDBOX',
      `stacflow ${command} needs the development sandbox, which is not installed here (${missingPart(cause)}). `
        + 'The sandbox (a STAC API and S3 endpoint on 127.0.0.1) is not part of the npm package: get a git checkout of stacflow '
        + `and run \`npm ci\` in it, then \`node bin/stacflow.js ${command}\`${command === 'demo' ? ' (or `npm run demo`)' : ''} there.`,
      { cause, errorClass: 'fatal' },
    );
  }
}

/** The sandbox's entry point (startSandbox and its types). */
export const loadSandbox = (command: string): Promise<typeof import('../../sandbox/index.js')> =>
  guarded(command, () => import('../../sandbox/index.js'));

/** `stacflow sandbox`'s options and its work, which are the sandbox's own. */
export const loadSandboxCommand = (command: string): Promise<typeof import('../../sandbox/command.js')> =>
  guarded(command, () => import('../../sandbox/command.js'));

async function guarded<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    const loaded = await load();
    // The sandbox imports s3rver only when its S3 endpoint starts; a missing one is found now, not mid-demo.
    import.meta.resolve('s3rver');
    return loaded;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') throw new SandboxNotInstalledError(command, err);
    throw err;
  }
}

/** `cannot find dist/sandbox/index.js` or `cannot find package s3rver`, from Node's resolution error. */
function missingPart(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const found = /Cannot find (module|package) '([^']+)'/.exec(message);
  if (found === null) return message;
  return `cannot find ${found[1] === 'package' ? 'package ' : ''}${found[2]}`;
}
