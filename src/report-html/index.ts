import type { LoadedPipeline } from '../engine/pipeline.js';
import type { RunReport } from '../engine/report.js';
import type { RunWatcher } from '../engine/run.js';
import { STDOUT_PATH, TempOutputFile } from '../util/temp-output-file.js';
import { HtmlReportCollector, type CollectorOptions } from './collector.js';
import { renderHtmlReport } from './render.js';

export { HtmlReportCollector } from './collector.js';
export { renderHtmlReport } from './render.js';

/** The HTML report of one run: the watcher to give the run, then `write` once its JSON report exists. */
export interface HtmlReport {
  readonly watch: RunWatcher;
  /** Renders and writes the page beside the JSON report; resolves to its path (undefined: no place for it). */
  write(report: RunReport, reportPath: string): Promise<string | undefined>;
}

export function htmlReportFor(plan: LoadedPipeline, options: Omit<CollectorOptions, 'fields'> = {}): HtmlReport {
  const collector = new HtmlReportCollector({ ...options, fields: selectedFields(plan) });
  return {
    watch: collector,
    async write(report, reportPath) {
      const file = htmlReportPath(reportPath);
      if (file === undefined) return undefined;
      const out = new TempOutputFile<string>(file);
      try {
        await out.write(renderHtmlReport({ report, run: collector.collected() }));
        await out.finish();
      } catch (err) {
        await out.abort().catch(() => undefined);
        throw err;
      }
      return file;
    },
  };
}

/** The names every `select` step of the pipeline adds, in order: the candidates for histograms. */
export function selectedFields(plan: LoadedPipeline): string[] {
  return plan.steps.filter(({ stage }) => stage.name === 'select').flatMap(({ options }) => Object.keys(options as Record<string, unknown>));
}

/**
 * Beside the JSON report, with the same stem: `out/kaguya-tc.report.json` → `out/kaguya-tc.report.html`
 * (`.html` added to a name without `.json`). None for a report on standard output or a device.
 */
export function htmlReportPath(reportPath: string): string | undefined {
  if (reportPath === STDOUT_PATH || reportPath === '' || reportPath.startsWith('/dev/')) return undefined;
  return reportPath.endsWith('.json') ? `${reportPath.slice(0, -'.json'.length)}.html` : `${reportPath}.html`;
}
