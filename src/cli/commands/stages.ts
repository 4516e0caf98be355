import type { CommandModule } from 'yargs';

/** `stacflow stages [NAME]`: the stages are loaded by the handler only. */
export const stagesCommand: CommandModule<object, { json?: boolean; name?: string }> = {
  command: 'stages [name]',
  describe: 'list the stages a pipeline can use, with their options (one stage with its YAML example when named)',
  builder: (yargs) =>
    yargs
      .positional('name', { type: 'string', describe: 'show one stage in full' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: async ({ json, name }) => {
    const [{ STAGES }, { stageOptionDocs }] = await Promise.all([import('../../../operators/index.js'), import('../../config/stage-docs.js')]);
    const stages = [...STAGES.values()].filter((s) => name === undefined || s.name === name);
    if (name !== undefined && stages.length === 0) {
      process.stderr.write(`unknown stage '${name}'; known: ${[...STAGES.keys()].join(', ')}\n`);
      process.exitCode = 2;
      return;
    }
    if (json) {
      const docs = stages.map((s) => ({ name: s.name, kind: s.kind, summary: s.summary, example: s.example, options: stageOptionDocs(s) }));
      process.stdout.write(`${JSON.stringify(docs, null, 2)}\n`);
      return;
    }
    const out: string[] = [];
    for (const kind of ['source', 'step', 'output'] as const) {
      const ofKind = stages.filter((s) => s.kind === kind);
      if (ofKind.length === 0) continue;
      out.push(`${kind === 'source' ? 'Sources' : kind === 'step' ? 'Steps' : 'Outputs'}:`);
      for (const stage of ofKind) {
        out.push(`  ${stage.name} — ${stage.summary}`);
        for (const opt of stageOptionDocs(stage)) {
          const dflt = opt.default !== undefined ? ` (default ${JSON.stringify(opt.default)})` : opt.required ? ' (required)' : '';
          out.push(`      ${opt.name}: ${opt.type}${dflt}${opt.description ? ` — ${opt.description}` : ''}`);
        }
        if (name !== undefined) out.push('', '  Example:', ...stage.example.trimEnd().split('\n').map((l) => `    ${l}`));
      }
      out.push('');
    }
    process.stdout.write(`${out.join('\n')}`);
  },
};
