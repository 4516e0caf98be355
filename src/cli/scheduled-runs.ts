import { Cron } from 'croner';
import type { Logger } from 'pino';
import { CRON_MODE } from '../config/cron-schedule.js';
import type { RunResult } from '../engine/run.js';
import { errorMessage } from '../errors.js';
import { formatDuration } from '../http/limits.js';
import { EXIT } from './exit-codes.js';

/** One run of the pipeline: cancelled by `signal`; tells its result (when it got one) through `onResult`. */
export type RunOnce = (signal: AbortSignal, onResult: (result: RunResult) => void) => Promise<number>;

/**
 * The cron job of `--schedule` and the run it started, if one is going (schedule.ts wires it to the CLI): one
 * run at a time, each logged at its start and end with the next time; a run that throws is logged, and the
 * schedule goes on.
 */
export class ScheduledRuns {
  #job: Cron | undefined;
  #current: { number: number; startedAt: Date; controller: AbortController; done: Promise<void> } | undefined;
  #count = 0;
  #stopping = false;

  constructor(
    private readonly pattern: string,
    private readonly timezone: string | undefined,
    private readonly log: Logger,
    private readonly runOnce: RunOnce,
  ) {}

  get stopping(): boolean {
    return this.#stopping;
  }

  start(pipeline: string): void {
    this.#job = new Cron(this.pattern, { mode: CRON_MODE, protect: () => this.#skipped(), ...(this.timezone !== undefined && { timezone: this.timezone }) }, () =>
      this.#run(),
    );
    this.log.info(
      { pipeline, schedule: this.pattern, timezone: this.timezone ?? 'local', next: this.#next() },
      `schedule: ${pipeline} runs at "${this.pattern}"${this.timezone ? ` (${this.timezone})` : ''}; next run at ${this.#next() ?? 'never'}`,
    );
  }

  /** Stops the schedule; the current run finishes within `graceMs` or is cancelled. Resolves to the exit code. */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<number> {
    this.#stopping = true;
    this.#job?.stop();
    const current = this.#current;
    if (!current) {
      this.log.info({ signal, runs: this.#count }, `schedule: stopped after ${runs(this.#count)} (${signal})`);
      return EXIT.done;
    }
    let timer: NodeJS.Timeout | undefined;
    if (graceMs > 0) {
      this.log.info({ signal, run: current.number, grace_ms: graceMs }, `schedule: ${signal}: waiting up to ${formatDuration(graceMs)} for run ${current.number} to finish (send it again to cancel the run now)`);
      timer = setTimeout(() => this.cancelCurrent(`stop timeout of ${formatDuration(graceMs)}`), graceMs);
    } else {
      this.cancelCurrent(signal);
    }
    await current.done;
    clearTimeout(timer);
    const cut = current.controller.signal.aborted;
    this.log.info({ signal, runs: this.#count, cut }, `schedule: stopped after ${runs(this.#count)} (${signal}${cut ? `; run ${current.number} was cancelled` : ''})`);
    return cut ? EXIT.aborted : EXIT.done;
  }

  /** Cancels the current run, if any: its outputs are aborted, its report written, its state closed. */
  cancelCurrent(why: string): void {
    const current = this.#current;
    if (!current || current.controller.signal.aborted) return;
    this.log.warn({ run: current.number, reason: why }, `schedule: cancelling run ${current.number} (${why})`);
    current.controller.abort(why);
  }

  async #run(): Promise<void> {
    const number = ++this.#count;
    const controller = new AbortController();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    this.#current = { number, startedAt: new Date(), controller, done };
    this.log.info({ run: number }, `schedule: run ${number} started`);
    let result: RunResult | undefined;
    try {
      const exitCode = await this.runOnce(controller.signal, (r) => (result = r));
      this.#ended(number, exitCode, result);
    } catch (err) {
      // A bug or a state that cannot be opened (locked by another process, unwritable): this run is lost, not the schedule.
      this.log.error({ run: number, err }, `schedule: run ${number} failed: ${errorMessage(err)}${this.#stopping ? '' : `; next run at ${this.#next() ?? 'never'}`}`);
    } finally {
      this.#current = undefined;
      finish();
    }
  }

  #ended(number: number, exitCode: number, result: RunResult | undefined): void {
    const report = result?.report;
    const items = report ? `${report.items.total} items, ${report.items.failed} failed, ${report.items.written} written` : 'no report';
    const next = this.#stopping ? undefined : this.#next();
    this.log[exitCode === EXIT.done ? 'info' : 'warn'](
      { run: number, exit_code: exitCode, status: report?.status, items: report?.items, state: report?.state?.counts, report: result?.reportPath, next },
      `schedule: run ${number} ended: exit ${exitCode}${report ? ` (${report.status.replaceAll('_', ' ')})` : ''}, ${items}${result ? `, report ${result.reportPath}` : ''}${next !== undefined ? `; next run at ${next ?? 'never'}` : ''}`,
    );
  }

  #skipped(): void {
    const current = this.#current;
    this.log.warn(
      { running: current?.number, started_at: current?.startedAt.toISOString(), next: this.#next() },
      `schedule: a run was due but run ${current?.number} (started ${current?.startedAt.toISOString()}) is still going: skipped; next run at ${this.#next() ?? 'never'}`,
    );
  }

  /** The next time of the schedule, ISO 8601 UTC; null when it has none left. */
  #next(): string | null {
    return this.#job?.nextRun()?.toISOString() ?? null;
  }
}

const runs = (n: number): string => `${n} run${n === 1 ? '' : 's'}`;
