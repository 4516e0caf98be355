import { createLogger } from '../../src/cli/logger.js';

function capture(pretty: boolean): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, log: createLogger({ pretty, destination: { write: (text: string) => lines.push(text) } }) };
}

describe('logger', () => {
  it('pretty lines (a TTY): an id with ESC sequences reaches the terminal escaped, in the message and the fields', () => {
    const { lines, log } = capture(true);
    const id = 'TC1\u001b[2J\u001b]0;pwned\u0007';
    log.warn({ item: id, href: `https://h/${id}` }, `${id}: failed`);
    log.error({ err: new Error(`boom \u001b[31m${id}`) }, 'run aborted');
    const text = lines.join('');
    const plain = text.replace(/\u001b\[[0-9;]*m/g, ''); // without pino-pretty's colours
    expect(plain).toContain('TC1\\x1b[2J\\x1b]0;pwned\\x07: failed');
    expect(plain).toContain('item: "TC1\\x1b[2J');
    expect(plain).toContain('boom \\\\x1b[31mTC1'); // in err, shown as JSON: its backslash doubled
    // The only raw ESC bytes left are pino-pretty's own colours (ESC [ digits m).
    expect(plain).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('JSON lines (not a TTY): JSON escapes control characters itself', () => {
    const { lines, log } = capture(false);
    log.info({ item: 'a\u001bb' }, 'x\u001by');
    expect(lines.join('')).not.toContain('\u001b');
    expect(JSON.parse(lines[0])).toMatchObject({ item: 'a\u001bb', msg: 'x\u001by' });
  });
});
