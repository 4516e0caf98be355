import { DEFAULT_LIMITS } from '../../http/limits.js';
import { formatApiUrl } from '../../stac/search-params.js';
import { StacParameterError } from '../../stac/errors.js';
import { terminalText } from '../../util/terminal-text.js';
import type { CollectionsArgs } from '../commands/collections.js';
import { EXIT } from '../exit-codes.js';
import { createLogger } from '../logger.js';
import { UsageError } from '../main.js';
import { apiTransport } from '../../stac/api-transport.js';
import { collectionPages } from './collection-pages.js';
import { headersOf } from './search-flags.js';

/**
 * The work of `stacflow collections API`, imported by its handler only: each collection as `id  title` (ids
 * padded to the longest of their page, so a page reads as a table), or with `--json` as the API wrote it, one
 * JSON document a line; printed page by page as they come. Text from the server is escaped for the terminal.
 * Errors of the API end the command (exit 1, said on stderr by src/cli/main.ts); a bad URL or header is exit 2.
 */
export async function listCollections(args: CollectionsArgs): Promise<number> {
  try {
    formatApiUrl(args.api);
  } catch (err) {
    if (err instanceof StacParameterError) throw new UsageError(`API: ${err.message.replace(/^api: /, '')}`);
    throw err;
  }
  const log = createLogger({ level: 'warn' });
  const headers = args.header === undefined ? {} : headersOf(args.header);
  const transport = apiTransport(args.api, headers, DEFAULT_LIMITS, log);
  let count = 0;
  for await (const collections of collectionPages(args.api, transport)) {
    count += collections.length;
    const lines = args.json ? collections.map((c) => JSON.stringify(c)) : table(collections);
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (count === 0) process.stderr.write(`collections: ${terminalText(args.api)} lists no collections\n`);
  return EXIT.done;
}

function table(collections: ReadonlyArray<Record<string, unknown>>): string[] {
  const rows = collections.map((c) => [terminalText(String(c.id ?? '(no id)')), terminalText(typeof c.title === 'string' ? c.title : '')]);
  const width = Math.max(0, ...rows.map(([id]) => id.length));
  return rows.map(([id, title]) => (title ? `${id.padEnd(width)}  ${title}` : id));
}
