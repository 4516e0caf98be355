import { pino, type Logger, type Level } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { terminalSafe } from '../util/terminal-text.js';

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Human-readable lines (a TTY); otherwise JSON lines. */
  pretty?: boolean;
  /** Where the lines go (default: stderr, synchronously). */
  destination?: { write(text: string): unknown };
  /** Pretty lines: each record's fields under its message (default); false: the message alone (it names item and href). */
  fields?: boolean;
  /** `-q`: errors, and of the warnings only the item failures (a record with `item`, `stage` and `code`). */
  failuresOnly?: boolean;
}

/**
 * Logs go to stderr, so stdout stays for data (`stacflow pvl`, `stages --json`). JSON when stderr is not a
 * TTY (CI, cron, files): control characters in ids and messages are escaped by JSON itself. Pretty lines
 * when a person is watching: each record is parsed back and every string in it passed through terminalText
 * (src/util/terminal-text.ts) before pino-pretty formats it, so an id holding ESC sequences reaches the
 * terminal as `\x1b[...`, not as a command; the colours are pino-pretty's own.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.failuresOnly ? 'warn' : (options.level ?? 'info');
  const wantPretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const out = options.destination ?? pino.destination({ fd: 2, sync: true });
  const keep = options.failuresOnly ? keptWhenQuiet : () => true;
  if (wantPretty) {
    const format = prettyFactory({ colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss', hideObject: options.fields === false });
    return pino({ level }, {
      write: (line: string) => {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (keep(record)) out.write(format(terminalSafe(record)));
      },
    });
  }
  if (!options.failuresOnly) return pino({ level, base: undefined }, out);
  return pino({ level, base: undefined }, { write: (line: string) => (keep(JSON.parse(line) as Record<string, unknown>) ? out.write(line) : undefined) });
}

/** Under `-q`: every record but the warnings that are not an item's failure (pino levels: 40 warn). */
function keptWhenQuiet(record: Record<string, unknown>): boolean {
  return record.level !== 40 || (record.item !== undefined && record.stage !== undefined && record.code !== undefined);
}
