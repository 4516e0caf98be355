import type { DatetimePlan } from './plan-file.js';

/**
 * The plan as people read it: one line a window (shard, start, end, items, share of the mean), then the
 * balance and what the plan cost.
 *
 *     shard  start                     end                       items  of mean
 *         0  ..                        2008-05-14T03:12:45.120Z   2489    1.00
 */
export function planTable(plan: DatetimePlan): string {
  const mean = plan.total / plan.shards;
  const rows = plan.windows.map((w) => [String(w.index), w.start, w.end, String(w.expected), mean > 0 ? (w.expected / mean).toFixed(2) : '-']);
  const header = ['shard', 'start', 'end', 'items', 'of mean'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([0, 3, 4]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [
    line(header),
    ...rows.map(line),
    `${plan.total} items in ${plan.shards} windows; balance (largest / mean) ${plan.balance.toFixed(3)}`,
    `${plan.requests} requests${plan.retries > 0 ? ` (${plan.retries} retries)` : ''}${plan.converged ? '' : '; the request budget ran out before every cut was as near its share as asked (--max-requests)'}`,
  ].join('\n');
}
