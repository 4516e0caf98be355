import { parentPort } from 'node:worker_threads';
import { parseDeclined } from '../error-path.js';
import { parsePvl, PvlSyntaxError } from '../index.js';
import type { PvlStatement } from '../model.js';
import type { ParseReply, ParseRequest } from './pool-protocol.js';

/**
 * A thread of the PVL parse pool (src/pvl/parse-pool.ts): parses each text it is sent with `parsePvl` and
 * replies with the statements (see ParseReply for their form) or the syntax error's details, from which
 * the main thread rebuilds the same PvlSyntaxError.
 */
const port = parentPort;
if (port === null) throw new Error('parse-worker.ts runs as a worker thread of src/pvl/parse-pool.ts');

port.on('message', ({ id, text, source, declined }: ParseRequest) => {
  let reply: ParseReply;
  try {
    // Declined by the fast path on the main thread: running it again here would only double the work.
    const statements = declined ? parseDeclined(text, source ?? '<text>').statements : parsePvl(text, { source }).statements;
    reply = statementsReply(id, statements);
  } catch (err) {
    if (err instanceof PvlSyntaxError) {
      const { line, column, expected, lineText, reason } = err;
      const code = err.code === 'ERR_PVL_DEPTH' ? { code: 'ERR_PVL_DEPTH' as const } : {};
      reply = { id, syntax: { source: err.source, line, column, expected, lineText, ...(reason === undefined ? {} : { reason }), ...code } };
    } else {
      reply = { id, failure: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
  }
  port.postMessage(reply);
});

function statementsReply(id: number, statements: readonly PvlStatement[]): ParseReply {
  let exact = true;
  const json = JSON.stringify(statements, (_key, value: unknown) => {
    if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) exact = false;
    return value;
  });
  return exact ? { id, json } : { id, statements };
}
