import type { CommandModule } from 'yargs';

export interface CollectionsArgs {
  api: string;
  json?: boolean;
  header?: string[];
}

/** `stacflow collections API`: the API's collections, id and title a line. The HTTP client is loaded by the handler only. */
export const collectionsCommand: CommandModule<object, CollectionsArgs> = {
  command: 'collections <api>',
  describe: "list a STAC API's collections: id and title, one a line (--json: each collection document, one a line)",
  builder: (yargs) =>
    yargs
      .positional('api', { type: 'string', demandOption: true, describe: 'landing page of the STAC API' })
      .option('json', { type: 'boolean', describe: 'print each collection as the API gives it, one JSON document a line' })
      .option('header', { alias: 'headers', type: 'array', string: true, describe: "extra request header KEY=VALUE (repeatable), sent to the API's origin only" }),
  handler: async (args) => {
    const { listCollections } = await import('../search/list-collections.js');
    process.exitCode = await listCollections(args);
  },
};
