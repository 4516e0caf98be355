import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { packagePath } from '../../package-root.js';

/** Where editors find the pipeline schema (`# yaml-language-server: $schema=../config/pipeline.schema.json`). */
export const SCHEMA_PATH = packagePath('config', 'pipeline.schema.json');

/** `stacflow schema`: the stages and the schema builder are loaded by the handler only. */
export const schemaCommand: CommandModule<object, { write?: boolean | string }> = {
  command: 'schema',
  describe: 'print the JSON Schema of pipeline files (generated from the stages), or write it with --write',
  builder: (yargs) => yargs.option('write', { type: 'string', describe: 'write to this file (default config/pipeline.schema.json)' }),
  handler: async ({ write }) => {
    const [{ STAGES }, { pipelineJsonSchema }] = await Promise.all([import('../../../operators/index.js'), import('../../config/json-schema.js')]);
    const text = `${JSON.stringify(pipelineJsonSchema(STAGES), null, 2)}\n`;
    if (write === undefined) {
      process.stdout.write(text);
      return;
    }
    const target = typeof write === 'string' && write !== '' ? path.resolve(write) : SCHEMA_PATH;
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
    process.stderr.write(`wrote ${target}\n`);
  },
};
