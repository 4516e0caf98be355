import { pino, type Logger, type Level } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Human-readable lines (a TTY); otherwise JSON lines. */
  pretty?: boolean;
}

/**
 * Logs go to stderr, so stdout stays for data (`stacflow pvl`, `stages --json`). JSON when stderr is not a
 * TTY (CI, cron, files), pretty lines when a person is watching.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const wantPretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (wantPretty) {
    return pino({ level }, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' }));
  }
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}
