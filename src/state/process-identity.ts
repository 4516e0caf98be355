import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * A process named so that a reused pid is not mistaken for it: pid, host, and when it started. On Linux the
 * start is the boot id with field 22 of /proc/<pid>/stat (start time in clock ticks since boot): the pair
 * differs for a later process given the same pid, even after a reboot. Elsewhere it is null (pid alone).
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly start: string | null;
  readonly host: string;
}

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** Fields 3 (state) and 22 (start time, in clock ticks since boot) of /proc/<pid>/stat, where there is one. */
function procStat(pid: number): { state: string; ticks: string } | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Field 2, the command name, is in parentheses and may hold spaces and ')': fields 3… follow the last ')'.
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = after[22 - 3];
  return ticks && /^\d+$/.test(ticks) ? { state: after[0], ticks } : undefined;
}

const bootId = (): string | undefined => readText('/proc/sys/kernel/random/boot_id')?.trim();

/** The start of process `pid` (see ProcessIdentity), or null where /proc does not say (or it is gone). */
export function processStart(pid: number): string | null {
  const stat = procStat(pid);
  const boot = bootId();
  return stat === undefined || boot === undefined ? null : `${boot}:${stat.ticks}`;
}

let self: ProcessIdentity | undefined;
export function currentProcess(): ProcessIdentity {
  self ??= { pid: process.pid, start: processStart(process.pid), host: hostname() };
  return self;
}

export const sameProcess = (a: ProcessIdentity, b: ProcessIdentity): boolean =>
  a.pid === b.pid && a.host === b.host && (a.start === null || b.start === null || a.start === b.start);

/**
 * Whether `holder` still runs: `alive`, `dead` (no such pid, or the pid now belongs to a later process), or
 * `unknown` (another host: its processes cannot be seen from here).
 */
export function processState(holder: ProcessIdentity): 'alive' | 'dead' | 'unknown' {
  if (holder.host !== hostname()) return 'unknown';
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'dead';
  }
  const stat = procStat(holder.pid);
  // A zombie (killed, not yet reaped by its parent) holds its pid but runs no more.
  if (stat?.state === 'Z') return 'dead';
  if (holder.start === null) return 'alive';
  // It had a start in /proc, and /proc no longer lists it: it ended after the signal check.
  if (stat === undefined) return 'dead';
  return `${bootId()}:${stat.ticks}` === holder.start ? 'alive' : 'dead';
}
