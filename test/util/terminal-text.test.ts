import { terminalLines, terminalSafe, terminalText } from '../../src/util/terminal-text.js';

describe('terminalText', () => {
  it('escapes ESC sequences, C0 and C1 controls and DEL as \\xNN text', () => {
    expect(terminalText('ID\u001b[2J\u001b]0;owned\u0007')).toBe('ID\\x1b[2J\\x1b]0;owned\\x07');
    expect(terminalText('a\u0000b\u007fc\u009bd\u0085e')).toBe('a\\x00b\\x7fc\\x9bd\\x85e');
    expect(terminalText('two\nlines\ttab\r')).toBe('two\\x0alines\\x09tab\\x0d');
  });

  it('keeps printable text, other Unicode included', () => {
    expect(terminalText('kaguya_TC1W2B0 — 月 é 🌕')).toBe('kaguya_TC1W2B0 — 月 é 🌕');
  });

  it('terminalLines keeps newlines and tabs (stack traces) and escapes the rest', () => {
    expect(terminalLines('Error: \u001b[31mx\n    at y\t')).toBe('Error: \\x1b[31mx\n    at y\t');
  });

  it('terminalSafe escapes every string of a log record, keys too, and keeps a stack\'s lines', () => {
    const record = JSON.parse('{"msg":"item \\u001b[31mred","item":"a\\u001bb","n":3,"list":["\\u0007"],"err":{"stack":"E\\u001b\\n at x"},"k\\u001b":1,"__proto__":"x"}');
    const safe = terminalSafe(record) as Record<string, unknown>;
    expect(safe).toEqual({ msg: 'item \\x1b[31mred', item: 'a\\x1bb', n: 3, list: ['\\x07'], err: { stack: 'E\\x1b\n at x' }, 'k\\x1b': 1, ['__proto__']: 'x' });
    expect(Object.getPrototypeOf(safe)).toBe(Object.prototype);
    expect(JSON.stringify(safe)).not.toContain('\u001b');
  });
});
