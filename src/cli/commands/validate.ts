import type { CommandModule } from 'yargs';
import { ConfigurationError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { setOption } from './run.js';

/** `stacflow validate FILE`: the stages and the config front end are loaded by the handler only. */
export const validateCommand: CommandModule<object, { file: string; set?: string[] }> = {
  command: 'validate <file>',
  describe: 'check a pipeline file and report every error with file:line:col (exit 2 on errors)',
  builder: (yargs) => setOption(yargs.positional('file', { type: 'string', demandOption: true, describe: 'pipeline YAML file' })),
  handler: async ({ file, set }) => {
    const [{ STAGES }, { loadPipeline }] = await Promise.all([import('../../../operators/index.js'), import('../../config/load.js')]);
    try {
      const plan = await loadPipeline(file, STAGES, process.env, { set });
      const steps = plan.steps.map((s) => s.label).join(' → ');
      const outputs = plan.outputs.map((s) => s.label).join(', ');
      process.stdout.write(`${file}: ok — ${plan.name}: ${plan.source.label}${steps ? ` → ${steps}` : ''}${outputs ? ` ⇒ ${outputs}` : ''}\n`);
      process.exitCode = EXIT.done;
    } catch (err) {
      if (!(err instanceof ConfigurationError)) throw err;
      process.stderr.write(`${err.message}\n${err.issues.length} error${err.issues.length === 1 ? '' : 's'} in ${file}\n`);
      process.exitCode = EXIT.invalid;
    }
  },
};
