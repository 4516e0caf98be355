import type { RunReport } from '../../engine/report.js';
import { terminalText } from '../../util/terminal-text.js';

/** Files beside the report that the summary names (the HTML report). */
export interface SummaryExtras {
  htmlReport?: string;
}

/** The first line of the summary, also the `msg` of its JSON line. */
export const summaryHeadline = (report: RunReport): string =>
  `${report.pipeline.name}: ${report.status.replaceAll('_', ' ')} in ${report.duration_s} s — ${report.items.total} items, ${report.items.failed} failed`;

/**
 * The end-of-run lines on stderr (a TTY). Ids, paths and messages come from the data and the servers: each line's
 * control characters are escaped (src/util/terminal-text.ts), so none reaches the terminal raw.
 */
export function summary(report: RunReport, reportPath: string, extras: SummaryExtras = {}): string {
  const lines = [summaryHeadline(report)];
  for (const [label, output] of Object.entries(report.outputs)) lines.push(`  ${label}: ${output.path} (${output.rows} rows)`);
  if (report.error) lines.push(`  error: ${report.error.message}`);
  const shown = report.failures.slice(0, 5);
  for (const f of shown) lines.push(`  failed ${f.item} at ${f.stage}: ${f.message}`);
  if (report.items.failed > shown.length) lines.push(`  … ${report.items.failed - shown.length} more failed items, see the report`);
  for (const w of report.warnings ?? []) lines.push(`  warning at ${w.stage}: ${w.message}`);
  lines.push(`  report: ${reportPath}`);
  if (extras.htmlReport !== undefined) lines.push(`  html report: ${extras.htmlReport}`);
  return `${lines.map(terminalText).join('\n')}\n`;
}

/** The same off a TTY, as the fields of one JSON log line (JSON escapes control characters itself). */
export function summaryFields(report: RunReport, reportPath: string, extras: SummaryExtras = {}): Record<string, unknown> {
  return {
    summary: {
      pipeline: report.pipeline.name,
      status: report.status,
      exit_code: report.exit_code,
      duration_s: report.duration_s,
      items: report.items,
      outputs: report.outputs,
      ...(report.error ? { error: report.error } : {}),
      failures: report.failures.slice(0, 5),
      warnings: report.warnings?.length ?? 0,
      report: reportPath,
      ...(extras.htmlReport !== undefined ? { html_report: extras.htmlReport } : {}),
    },
  };
}
