import type { LoadedPipeline } from '../../src/engine/pipeline.js';
import { RunStats } from '../../src/engine/stats.js';
import { ProgressModel, shardShare } from '../../src/cli/progress/model.js';
import { RateWindow } from '../../src/cli/progress/rate-window.js';
import { shortNames } from '../../src/cli/progress/short-names.js';
import { fit } from '../../src/cli/progress/frame.js';
import { formatBytes, formatDuration, formatPercent, formatRate } from '../../src/cli/progress/units.js';

describe('progress units', () => {
  it('are binary everywhere: B, KiB, MiB, GiB, with three significant digits', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(50e6)).toBe('47.7 MiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00 GiB');
    expect(formatRate(12.5 * 1024 * 1024)).toBe('12.5 MiB/s');
  });

  it('say durations as rclone does, and never 100% before the end', () => {
    expect([formatDuration(5), formatDuration(184), formatDuration(3 * 3600 + 120), formatDuration(undefined)]).toEqual(['5s', '3m4s', '3h2m', '-']);
    expect([formatPercent(599, 600), formatPercent(600, 600), formatPercent(1, 0)]).toEqual(['99%', '100%', '-']);
  });
});

describe('the current rate', () => {
  it('is the change over the last window, not the average since the start', () => {
    const rate = new RateWindow(10_000);
    let total = 0;
    for (let t = 0; t <= 60; t++) {
      total += t <= 50 ? 100 : 0; // 100 a second for 50 s, then a stall
      rate.sample(t * 1000, total);
      if (t === 50) expect(rate.perSecond()).toBe(100);
    }
    expect(rate.perSecond()).toBe(0); // the run average would still say 83/s
  });
});

describe('progress lines', () => {
  it('show the part of collection ids that differs', () => {
    expect(
      shortNames([
        'kaguya_terrain_camera_stereoscopic_uncontrolled_observations',
        'kaguya_terrain_camera_spsupport_uncontrolled_observations',
        'kaguya_terrain_camera_monoscopic_uncontrolled_observations',
      ]),
    ).toEqual(['stereoscopic', 'spsupport', 'monoscopic']);
    expect(shortNames(['a_b', 'a_b_c'])).toEqual(['b', 'b_c']);
    expect(shortNames(['only_one'])).toEqual(['only_one']);
  });

  it('go on to an indented line rather than past the width', () => {
    expect(fit(['download', 'aaaa', 'bbbb', 'cccc'], 20, 4)).toEqual(['download  aaaa  bbbb', '    cccc']);
    expect(fit(['x'.repeat(30)], 20, 2)).toEqual([`${'x'.repeat(19)}…`]);
  });
});

describe('a shard', () => {
  // Shard 1 of 4 (src/shard): 1,000 items expected by the search, 400 searched so far, 100 of them its own.
  const plan = {
    source: { label: 'stac_search', stage: { name: 'stac_search' } },
    steps: [{ label: 'fetch_label', stage: { name: 'fetch_label' } }],
    outputs: [{ label: 'csv', stage: { name: 'csv' } }],
  } as unknown as LoadedPipeline;

  it('expects its share of the search past the source, not the whole search', () => {
    const stats = new RunStats();
    stats.count('stac_search', 'expected', 1000);
    stats.entered('stac_search', 400);
    stats.passed('stac_search', 400);
    stats.count('shard', 'searched', 400);
    stats.count('shard', 'this_shard', 100);
    stats.count('shard', 'other_shards', 300);
    stats.entered('fetch_label', 100);
    stats.passed('fetch_label', 50);
    const [source, step, output] = new ProgressModel(plan, stats).snapshot().stages;
    expect(source.total).toBe(1000);
    expect(step.total).toBe(250); // 100 kept + 600 to come × 100/400
    expect(output.total).toBe(250);
  });

  it('is a share of what it kept (all of it, unsharded or before the first item)', () => {
    expect(shardShare(1000, undefined)).toBe(1000);
    expect(shardShare(1000, { searched: 0, this_shard: 0 })).toBe(1000);
    expect(shardShare(1000, { searched: 1000, this_shard: 260 })).toBe(260);
    expect(shardShare(800, { searched: 900, this_shard: 200 })).toBe(200); // more searched than expected: what was kept
  });
});
