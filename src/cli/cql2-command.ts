import path from 'node:path';
import { EXIT } from './exit-codes.js';
import type { Cql2Args } from './commands/cql2.js';
import { Cql2Error, compileCql2, parseCql2Json, parseCql2Text, toCql2Json, toCql2Text, type Cql2Expr } from '../fields/cql2/index.js';
import { newEntry } from '../entry.js';
import { DEFAULT_MAX_ITEM_BYTES, itemFileFormat, STDIN_PATH } from '../catalog/item-file-format.js';
import { readItemFile } from '../catalog/item-file-reader.js';
import { terminalLines, terminalText } from '../util/terminal-text.js';

/** Where the expression comes from, in messages (`expression:1:12: ...`). */
const WHERE = 'expression';

/** `stacflow cql2`: exit 0, or 2 with the located error on a bad expression (1 when the items file cannot be read). */
export async function runCql2(args: Cql2Args): Promise<number> {
  let ast: Cql2Expr;
  try {
    ast = parse(args.expression);
  } catch (err) {
    if (!(err instanceof Cql2Error)) throw err;
    process.stderr.write(`${terminalLines(err.message)}\n`);
    return EXIT.invalid;
  }
  if (args.items === undefined) {
    process.stdout.write(args.to === 'text' ? `${toCql2Text(ast)}\n` : `${JSON.stringify(toCql2Json(ast))}\n`);
    return EXIT.done;
  }
  // The file is read as the `items` source reads it: its format by extension (stac-geoparquet too), its size limit.
  const format = itemFileFormat(args.items) ?? 'ndjson';
  const matches = compileCql2(ast);
  const file = args.items === STDIN_PATH ? STDIN_PATH : path.resolve(args.items);
  let skipped = 0;
  for await (const batch of readItemFile({ path: args.items, file, format, maxItemBytes: DEFAULT_MAX_ITEM_BYTES })) {
    const lines: string[] = [];
    for (const record of batch) {
      if (!('item' in record)) {
        skipped += 1;
        process.stderr.write(`${terminalText(record.failure.message)}\n`); // the message names file and line (or row)
      } else if (matches(newEntry(record.item))) lines.push(record.item.id);
    }
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  }
  return skipped > 0 ? EXIT.someItemsFailed : EXIT.done;
}

/** CQL2 JSON when the expression is a JSON object, else CQL2 text. */
function parse(expression: string): Cql2Expr {
  if (!expression.trimStart().startsWith('{')) return parseCql2Text(expression, WHERE);
  let value: unknown;
  try {
    value = JSON.parse(expression);
  } catch (err) {
    throw new Cql2Error({ code: 'ERR_CQL2_JSON', reason: `not JSON: ${(err as Error).message}`, where: WHERE, jsonPath: '' });
  }
  return parseCql2Json(value, WHERE);
}
