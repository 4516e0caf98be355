import type { CommandModule } from 'yargs';
import type { SandboxArgs } from '../../../sandbox/command.js';
import { loadSandboxCommand } from '../load-sandbox.js';

/**
 * `stacflow sandbox`: its options and its work are the sandbox's own (sandbox/command.ts), loaded only when
 * the command is run (its options too: `stacflow --help` lists it without loading the sandbox).
 */
export const sandboxCommand: CommandModule<object, SandboxArgs> = {
  command: 'sandbox',
  describe: 'serve a STAC API on 127.0.0.1 that answers as the USGS one, with generated Kaguya TC items (for demos, tests, benchmarks)',
  builder: async (yargs) => (await loadSandboxCommand('sandbox')).sandboxOptions(yargs),
  handler: async (args) => (await loadSandboxCommand('sandbox')).serveSandbox(args),
};
