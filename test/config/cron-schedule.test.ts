import { cronProblem, timezoneProblem } from '../../src/config/cron-schedule.js';

// The `schedule:` and `schedule_timezone:` checks made at load, by croner itself (what --schedule runs).

test('a cron schedule of 5 fields, or 6 with seconds first, has no problem', () => {
  expect(cronProblem('0 3 * * *')).toBeUndefined();
  expect(cronProblem('*/10 * * * * *')).toBeUndefined();
  expect(cronProblem('30 2 * * MON-FRI')).toBeUndefined();
});

test("croner's reason for a value out of range or a wrong number of fields", () => {
  expect(cronProblem('61 * * * *')).toBe('expected a cron schedule such as "0 3 * * *" (minute hour day month weekday, seconds first when 6 fields): Invalid value for minute: 61');
  expect(cronProblem('0 0 3 * * * 2030')).toMatch(/requires exactly 5 or 6 parts/);
});

test('a schedule whose time never comes is refused', () => {
  expect(cronProblem('0 0 30 2 *')).toBe('this cron schedule never comes (a date that does not exist, such as the 30th of February)');
});

test('time zones: IANA names are known, others refused', () => {
  expect(timezoneProblem('Europe/Berlin')).toBeUndefined();
  expect(timezoneProblem('UTC')).toBeUndefined();
  expect(timezoneProblem('Mars/Olympus')).toBe('expected an IANA time zone such as "Europe/Berlin" or "UTC", got "Mars/Olympus"');
});
