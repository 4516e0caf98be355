import { transferred } from '../../src/cli/progress.js';
import type { StageCounts } from '../../src/engine/stats.js';

const counts = (over: Partial<StageCounts>): StageCounts => ({ in: 0, out: 0, failed: 0, dropped: 0, counters: {}, ...over });

describe('progress line of a stage that counts bytes', () => {
  it('shows MB and MB/s over the stage\'s time', () => {
    expect(transferred(counts({ in: 2, out: 2, startedAt: 0, endedAt: 2000, counters: { bytes: 50e6 } }), 9999)).toBe('  50 MB  25.0 MB/s');
  });

  it('runs the clock to now while entries are still downloading', () => {
    expect(transferred(counts({ in: 3, out: 1, startedAt: 0, endedAt: 500, counters: { bytes: 4e6 } }), 4000)).toBe('  4.00 MB  1.0 MB/s');
  });

  it('says nothing for stages without bytes', () => {
    expect(transferred(counts({ in: 1, out: 1, startedAt: 0 }))).toBe('');
  });
});
