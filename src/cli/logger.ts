import { pino, type Logger, type Level } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { terminalSafe } from '../util/terminal-text.js';

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Human-readable lines (a TTY); otherwise JSON lines. */
  pretty?: boolean;
  /** Where the lines go (default: stderr, synchronously). */
  destination?: { write(text: string): unknown };
}

/**
 * Logs go to stderr, so stdout stays for data (`stacflow pvl`, `stages --json`). JSON when stderr is not a
 * TTY (CI, cron, files): control characters in ids and messages are escaped by JSON itself. Pretty lines
 * when a person is watching: each record is parsed back and every string in it passed through terminalText
 * (src/util/terminal-text.ts) before pino-pretty formats it, so an id holding ESC sequences reaches the
 * terminal as `\x1b[...`, not as a command; the colours are pino-pretty's own.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const wantPretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const out = options.destination ?? pino.destination({ fd: 2, sync: true });
  if (wantPretty) {
    const format = prettyFactory({ colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' });
    return pino({ level }, { write: (line: string) => out.write(format(terminalSafe(JSON.parse(line)))) });
  }
  return pino({ level, base: undefined }, out);
}
