/**
 * A TTY for progress tests: a stream with isTTY and columns that interprets what a terminal would (text,
 * newline, carriage return, cursor to previous lines, erase line, erase below, SGR colours ignored) into the
 * lines a person would see, scrollback included. A write that runs past the last column is recorded
 * (`overflowed`): a real terminal would wrap it and every later redraw would land one line off.
 */
export class FakeTerminal {
  readonly isTTY = true;
  readonly lines: string[] = [''];
  overflowed: string[] = [];
  writes = 0;
  private row = 0;
  private col = 0;

  constructor(readonly columns = 80) {}

  write(text: string): boolean {
    this.writes += 1;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '\u001b' && text[i + 1] === '[') {
        const match = /^\u001b\[([?0-9;]*)([A-Za-z])/.exec(text.slice(i));
        if (!match) throw new Error(`unknown escape at ${JSON.stringify(text.slice(i, i + 10))}`);
        this.control(match[1], match[2]);
        i += match[0].length - 1;
      } else if (c === '\n') {
        this.row += 1;
        this.col = 0;
        while (this.lines.length <= this.row) this.lines.push('');
      } else if (c === '\r') {
        this.col = 0;
      } else {
        if (this.col >= this.columns) {
          this.overflowed.push(this.lines[this.row]);
          this.row += 1;
          this.col = 0;
          while (this.lines.length <= this.row) this.lines.push('');
        }
        const line = this.lines[this.row].padEnd(this.col);
        this.lines[this.row] = line.slice(0, this.col) + c + line.slice(this.col + 1);
        this.col += 1;
      }
    }
    return true;
  }

  /** What the screen and its scrollback hold, without the empty line the cursor sits on. */
  get text(): string {
    return this.lines.join('\n').replace(/\n$/, '');
  }

  on(): this {
    return this;
  }

  off(): this {
    return this;
  }

  private control(params: string, command: string): void {
    const n = params === '' ? 1 : Number(params);
    switch (command) {
      case 'F': // cursor to the start of the line n up
        this.row = Math.max(0, this.row - n);
        this.col = 0;
        break;
      case 'K':
        if (params === '2') this.lines[this.row] = '';
        else this.lines[this.row] = this.lines[this.row].slice(0, this.col);
        break;
      case 'J':
        this.lines[this.row] = this.lines[this.row].slice(0, this.col);
        this.lines.length = this.row + 1;
        break;
      case 'm': // colours
      case 'l': // ?25l: hide the cursor
      case 'h':
        break;
      default:
        throw new Error(`FakeTerminal: unhandled ESC[${params}${command}`);
    }
  }
}

/** The text without pino-pretty's colours. */
export const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');
