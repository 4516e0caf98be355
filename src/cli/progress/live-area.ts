import { wrapForTerminal } from './wrap.js';

/** The part of a TTY stream the live area needs (process.stderr; a fake one in tests). */
export interface TerminalStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

const ESC = '\u001b[';
const HIDE_CURSOR = `${ESC}?25l`;
const SHOW_CURSOR = `${ESC}?25h`;
/** Back to the first column of the line `n` lines up. */
const up = (n: number): string => (n > 0 ? `${ESC}${n}F` : '\r');
const CLEAR_LINE = `${ESC}2K`;
const CLEAR_BELOW = `${ESC}J`;

/**
 * The bottom of a terminal, redrawn in place (log-update's idea, with printing above): `draw` replaces the
 * frame, `print` puts text above it (the frame is erased, the text written and wrapped to the width, the frame
 * drawn again under it, all in one write), so a log line is never glued to a bar and no frozen copy of the
 * frame is left in the scrollback. Frame lines must fit the width (renderFrame's job): a wrapped line would
 * shift every redraw by one.
 */
export class LiveArea {
  private frame: string[] = [];
  private shown = 0;
  private stopped = false;
  private readonly onResize = () => this.redraw();

  constructor(private readonly stream: TerminalStream) {
    stream.write(HIDE_CURSOR);
    stream.on?.('resize', this.onResize);
  }

  get columns(): number {
    return this.stream.columns ?? 80;
  }

  /** Replaces the frame with `lines`. */
  draw(lines: string[]): void {
    if (this.stopped) return;
    this.frame = lines;
    this.stream.write(`${this.erase()}${this.render()}`);
  }

  /** Writes `text` (one or more lines) above the frame, wrapped to the width. */
  print(text: string): void {
    const wrapped = wrapForTerminal(text, this.columns);
    if (this.stopped) {
      this.stream.write(wrapped);
      return;
    }
    this.stream.write(`${this.erase()}${wrapped}${this.render()}`);
  }

  /** Leaves the last frame in place (the final counts) and gives the cursor back; later prints go below it. */
  stop(lastFrame?: string[]): void {
    if (this.stopped) return;
    if (lastFrame) this.draw(lastFrame);
    this.stopped = true;
    this.stream.off?.('resize', this.onResize);
    this.stream.write(SHOW_CURSOR);
  }

  private redraw(): void {
    if (!this.stopped) this.stream.write(`${this.erase()}${this.render()}`);
  }

  private erase(): string {
    const text = `${up(this.shown)}${CLEAR_BELOW}`;
    this.shown = 0;
    return text;
  }

  private render(): string {
    this.shown = this.frame.length;
    return this.frame.map((line) => `${CLEAR_LINE}${line}\n`).join('');
  }
}
