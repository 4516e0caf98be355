import { summary } from '../../src/cli/progress/summary.js';
import type { RunReport } from '../../src/engine/report.js';

describe('the end-of-run summary', () => {
  it('escapes control characters from ids, paths and messages', () => {
    const id = 'TC\u001b[2J\u001b[H';
    const report = {
      pipeline: { name: 'kaguya', file: 'k.yaml' },
      status: 'done_with_failures',
      duration_s: 1.5,
      items: { total: 2, failed: 1, written: 1 },
      outputs: { csv: { path: 'out/\u001b[31mk.csv', rows: 1 } },
      failures: [{ item: id, stage: 'download', code: 'ERR_DOWNLOAD_HTTP', message: `HTTP 404 from https://h/${id}\nforged line` }],
    } as unknown as RunReport;
    const text = summary(report, 'out/k.report.json');
    expect(text).toContain('failed TC\\x1b[2J\\x1b[H at download: HTTP 404 from https://h/TC\\x1b[2J\\x1b[H\\x0aforged line');
    expect(text).toContain('csv: out/\\x1b[31mk.csv (1 rows)');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text.split('\n')).toHaveLength(5) // four lines and the final newline;
  });
});
