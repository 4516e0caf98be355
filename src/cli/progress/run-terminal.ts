import type { Logger } from 'pino';
import type { LoadedPipeline } from '../../engine/pipeline.js';
import type { RunReport } from '../../engine/report.js';
import type { RunStats } from '../../engine/stats.js';
import { createLogger } from '../logger.js';
import { DEFAULT_HEARTBEAT_MS, Heartbeat } from './heartbeat.js';
import type { TerminalStream } from './live-area.js';
import { summary, summaryFields, summaryHeadline, type SummaryExtras } from './summary.js';
import { TtyProgress } from './tty-progress.js';

export interface TerminalOptions {
  verbose?: boolean;
  quiet?: boolean;
  /** Default: on, unless quiet (bars on a TTY, heartbeats off one). */
  progress?: boolean;
  /** Seconds between heartbeats off a TTY (default 10). */
  progressInterval?: number;
}

/**
 * What one run shows on stderr, decided once. On a TTY: pretty logs (info and up; their fields with -v)
 * printed above the progress bars, then the human summary. Off a TTY: nothing but JSON lines — the logs,
 * a progress heartbeat every `progressInterval` seconds, the summary as one line. `-v` adds the debug records
 * (pages, skips, drops); `-q` keeps errors and item failures, no progress unless asked, no summary.
 */
export class RunTerminal {
  readonly log: Logger;
  /** Whether stderr is a TTY: off one, everything on it is a JSON line. */
  readonly tty: boolean;
  private bars?: TtyProgress;
  private heartbeat?: Heartbeat;

  constructor(private readonly options: TerminalOptions, private readonly stream: TerminalStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
    this.log = createLogger({
      pretty: this.tty,
      level: options.verbose ? 'debug' : 'info',
      failuresOnly: options.quiet === true && !options.verbose,
      fields: !this.tty || options.verbose === true,
      // Through the bars while they are drawn (above them, wrapped), else straight to the stream (stderr's
      // writes are synchronous on files, pipes and TTYs: nothing is lost at exit).
      destination: { write: (text: string) => (this.bars ? this.bars.print(text) : this.stream.write(text)) },
    });
  }

  /** Progress for the run: bars on a TTY, heartbeats off one (unless turned off). */
  start(plan: LoadedPipeline, stats: RunStats): void {
    if (!(this.options.progress ?? !this.options.quiet)) return;
    if (this.tty) this.bars = new TtyProgress(plan, stats, this.stream);
    else this.heartbeat = new Heartbeat(plan, stats, this.log, Math.max(0.05, this.options.progressInterval ?? DEFAULT_HEARTBEAT_MS / 1000) * 1000);
  }

  /** Stops the progress: the bars' last frame stays, with the final counts. */
  stop(): void {
    this.bars?.stop();
    this.bars = undefined;
    this.heartbeat?.stop();
    this.heartbeat = undefined;
  }

  /** The end of the run: prose on a TTY, one JSON line off one; nothing with -q. */
  summary(report: RunReport, reportPath: string, extras: SummaryExtras = {}): void {
    this.stop();
    if (this.options.quiet) return;
    if (this.tty) this.stream.write(summary(report, reportPath, extras));
    else this.log.info(summaryFields(report, reportPath, extras), summaryHeadline(report));
  }
}
