import { Cron, type CronOptions } from 'croner';

/**
 * The `schedule:` and `schedule_timezone:` of a pipeline file, checked at load by croner itself (the library
 * `run-pipeline --schedule` runs them with), so an expression that validates is one the scheduler accepts.
 */

/** 5 fields (minute hour day month weekday) or 6 (seconds first). */
export const CRON_MODE: CronOptions['mode'] = '5-or-6-parts';

/** Why `pattern` cannot schedule anything (croner's words), or undefined when it can. */
export function cronProblem(pattern: string): string | undefined {
  let next: Date | null;
  try {
    // No callback: croner parses the pattern and starts no timer.
    next = new Cron(pattern, { mode: CRON_MODE }).nextRun();
  } catch (err) {
    return `expected a cron schedule such as "0 3 * * *" (minute hour day month weekday, seconds first when 6 fields): ${err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err)}`;
  }
  return next === null ? 'this cron schedule never comes (a date that does not exist, such as the 30th of February)' : undefined;
}

/** Why `zone` is not an IANA time zone this Node knows, or undefined when it is. */
export function timezoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return undefined;
  } catch {
    return `expected an IANA time zone such as "Europe/Berlin" or "UTC", got "${zone}"`;
  }
}
