import { terminalText } from '../util/terminal-text.js';
import type { StatusItem, StatusReport, StatusRun } from './status-report.js';

/**
 * `stacflow status` for a person: the state, the last runs (one line each), then the items failed and given
 * up with why. Ids, hrefs and messages come from the servers: each line's control characters are escaped.
 */
export function statusText(report: StatusReport): string {
  const { items } = report;
  const lines = [
    `${report.pipeline}: state ${report.state}`,
    `  cursor: ${report.cursor ?? 'none yet (the next run searches everything)'}`,
    `  items: ${items.done} done, ${items.failed} failed (pending: the next run works them again), ${items.given_up} given up, ${items.dropped} dropped by filters, ${items.removed} removed`,
  ];
  if (report.running) {
    const { pid, host, acquiredAt, beatAt, state } = report.running;
    lines.push(`  lock: held by pid ${pid} on ${host} since ${acquiredAt} (last seen ${beatAt}; ${state === 'alive' ? 'running' : state === 'dead' ? 'no longer runs: the next run takes over' : 'cannot tell from this host'})`);
  }
  lines.push('', report.runs.length === 0 ? 'no runs yet' : `last ${report.runs.length} run${report.runs.length === 1 ? '' : 's'}, the most recent first:`);
  for (const run of report.runs) lines.push(`  ${runLine(run)}`);
  lines.push(...itemLines('failed, pending', report.failed, items.failed), ...itemLines('given up', report.given_up, items.given_up));
  if (report.not_listed > 0) lines.push('', `${report.not_listed} more items failed or given up (--items N lists more)`);
  return `${lines.map(terminalText).join('\n')}\n`;
}

function runLine(run: StatusRun): string {
  const { items } = run;
  const duration = run.duration_s === null ? (run.status === 'running' ? 'running' : '–') : `${run.duration_s} s`;
  const flags = [run.full_refresh && 'full refresh', run.reconcile && 'reconcile'].filter(Boolean);
  return [
    `#${run.run}`,
    run.started_at,
    duration,
    run.status.replaceAll('_', ' '),
    run.exit_code === null ? 'no exit code' : `exit ${run.exit_code}`,
    `new ${items.new}, changed ${items.changed}, unchanged ${items.unchanged}, retried ${items.retried}, failed ${items.failed}, given up ${items.given_up}`,
    ...(flags.length > 0 ? [`(${flags.join(', ')})`] : []),
  ].join('  ');
}

function itemLines(title: string, listed: readonly StatusItem[], total: number): string[] {
  if (total === 0) return [];
  const lines = ['', `${title} (${total}):`];
  for (const item of listed) {
    lines.push(`  ${item.item}: ${item.attempts} failed run${item.attempts === 1 ? '' : 's'} in a row, last in run #${item.last_run}`);
    for (const f of item.failures) {
      const href = f.href !== undefined && !f.message.includes(f.href) ? ` ${f.href}` : '';
      lines.push(`    ${f.stage} ${f.code}${f.status !== undefined ? ` (HTTP ${f.status})` : ''}${href}: ${f.message}`);
    }
    // The steps it passed: a retry resumes past those whose work its entry keeps (its label is not read again).
    if (item.stages) lines.push(`    steps: ${Object.entries(item.stages).map(([step, status]) => `${step} ${status.replace('_', ' ')}`).join(', ')}`);
  }
  return lines;
}
