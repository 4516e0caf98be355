import { RunTerminal } from '../../src/cli/progress/run-terminal.js';
import { TtyProgress } from '../../src/cli/progress/tty-progress.js';
import type { LoadedPipeline } from '../../src/engine/pipeline.js';
import { RunStats } from '../../src/engine/stats.js';
import { FakeTerminal, plain } from './fake-terminal.js';

const MiB = 1024 * 1024;

/** The labels and stage names of kaguya-tc: all the progress display reads of a plan. */
const plan = {
  name: 'kaguya-tc',
  source: { label: 'stac_search', stage: { name: 'stac_search' } },
  steps: ['fetch_label', 'select', 'filter', 'download'].map((name) => ({ label: name, stage: { name } })),
  outputs: [{ label: 'csv', stage: { name: 'csv' } }],
} as unknown as LoadedPipeline;

/** A run where the searches matched 6000 items: 1500 read in 10 s, the filter dropped 300, downloads under way. */
function midRun(stats: RunStats): void {
  stats.count('stac_search', 'expected', 6000);
  stats.count('stac_search', 'pages', 15);
  stats.count('stac_search', 'items:kaguya_terrain_camera_stereoscopic_uncontrolled_observations', 1000);
  stats.count('stac_search', 'items:kaguya_terrain_camera_monoscopic_uncontrolled_observations', 500);
  stats.passed('stac_search', 1500);
  for (const label of ['fetch_label', 'select']) {
    stats.entered(label, 1500);
    stats.passed(label, 1500);
  }
  stats.entered('filter', 1500);
  stats.passed('filter', 1200);
  stats.dropped('filter', 300);
  stats.entered('download', 100);
  stats.passed('download', 70);
  stats.count('download', 'skipped', 60);
  stats.count('download', 'downloaded', 10);
  stats.count('download', 'resumed', 2);
}

describe('progress on a TTY (80 columns)', () => {
  it('shows totals from numberMatched, % and ETA per stage, bytes done / to do and the current rate in binary units, a bar a large download', () => {
    const terminal = new FakeTerminal(80);
    const stats = new RunStats();
    const t0 = stats.startedAt;
    const progress = new TtyProgress(plan, stats, terminal, { frameMs: 60_000 });
    progress.refresh(t0);
    const big = stats.startTransfer('download', { item: 'TC1S2B0_01_06691S820E3580', name: 'data/kaguya_stereo/TC1S2B0_01_06691S820E3580/TC1S2B0_01_06691S820E3580.img', size: 300 * MiB, resumedFrom: 100 * MiB });
    stats.startTransfer('download', { item: 'small', name: 'data/small.img', size: 1000 }); // under 1 MiB: no bar of its own
    progress.refresh(t0 + 1000);
    // The next 10 s.
    midRun(stats);
    big.add(40 * MiB);
    stats.count('download', 'bytes', 40 * MiB);
    progress.refresh(t0 + 11_000);

    const screen = terminal.text;
    const lines = screen.split('\n');
    if (process.env.SHOW_FRAME) console.log(screen);
    const line = (label: string) => lines.find((l) => l.startsWith(label)) ?? '';
    // 1500 of 6000 in the last 10 s: 150/s, 4500 to go: 30 s.
    expect(line('stac_search')).toMatch(/25%\s+1500\/6000 items {2}in 15 pages {2}150\/s {2}ETA 30s/);
    expect(screen).toContain('stereoscopic 1000');
    // The filter's total: all 6000 may reach it; download's: 6000 less the 300 the filter dropped.
    expect(line('filter')).toMatch(/1500\/6000/);
    expect(line('download')).toMatch(/70\/5700/);
    expect(screen).toContain('60 already there');
    expect(screen).toContain('2 resumed');
    // Bytes to do: the 200 MiB the transfer set out to fetch for its 100 items, and as much per item for the 5600 to come.
    expect(screen).toMatch(/40\.0 MiB \/ ~11\.1 GiB {2}4\.00 MiB\/s/);
    // The large file's bar: 140 of 300 MiB, 4 MiB/s, 160 MiB to go.
    // At 80 columns the path keeps its end: the file name, as much of it as fits.
    expect(screen).toMatch(/^ \* …\S*06691S820E3580\.img {2}█{4}░{6} {3}46% {2}140 MiB\/300 MiB {2}4\.00 MiB\/s {2}40s$/m);
    expect(screen).not.toContain('small.img');
    expect(screen).not.toMatch(/\d (MB|GB|kB)\b/);
    expect(lines.at(-1)).toMatch(/^elapsed 11s {2}1500 of 6000 items {2}ETA /);
    // Each redraw replaced the frame: one copy of it on the screen, every line within the width.
    expect(lines.filter((l) => l.startsWith('stac_search'))).toHaveLength(1);
    expect(terminal.overflowed).toEqual([]);
    progress.stop(t0 + 12_000);
    expect(terminal.text.split('\n').filter((l) => l.startsWith('stac_search'))).toHaveLength(1);
  });

  it('says how many files were already there on a run that downloads nothing', () => {
    const terminal = new FakeTerminal(80);
    const stats = new RunStats();
    const progress = new TtyProgress(plan, stats, terminal, { frameMs: 60_000 });
    stats.count('stac_search', 'expected', 60);
    stats.passed('stac_search', 60);
    stats.entered('download', 60);
    stats.passed('download', 60);
    stats.count('download', 'skipped', 60);
    progress.stop();
    const download = terminal.text.split('\n').find((l) => l.startsWith('download'));
    // (a rate shows when a millisecond passed between the first sample and the last: the machine's speed)
    expect(download).toMatch(/100%\s+60\/60 {2}(?:\S+\/s {2})?60 already there$/);
  });

  it('prints log lines above the bars, on lines of their own, wrapped and not cut at 80 columns', () => {
    const terminal = new FakeTerminal(80);
    const stats = new RunStats();
    const run = new RunTerminal({}, terminal);
    run.start(plan, stats);
    midRun(stats);
    const href = 's3://astrogeo-ard/kaguya/terrain_camera/stereoscopic/TC1S2B0_01_06691S820E3580/TC1S2B0_01_06691S820E3580.img';
    const message = `TC1S2B0_01_06691S820E3580: ${href}: NoSuchKey (HTTP 404): the object is not there; the item's metadata names an asset the bucket does not hold`;
    run.log.warn({ item: 'TC1S2B0_01_06691S820E3580', stage: 'download', code: 'ERR_DOWNLOAD_HTTP', href }, message);
    run.log.info({ command: 'rclone copy …' }, 'rclone_manifest: to copy them, run: rclone copy --files-from out/list.txt s3: data');
    run.stop();

    const lines = plain(terminal.text).split('\n');
    const warnAt = lines.findIndex((l) => l.includes('WARN'));
    const frameAt = lines.findIndex((l) => l.startsWith('stac_search'));
    expect(warnAt).toBeGreaterThanOrEqual(0);
    expect(warnAt).toBeLessThan(frameAt);
    // Its own lines: it starts one, and the frame follows below (the info line, then the frame).
    expect(lines[warnAt]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN/);
    const infoAt = lines.findIndex((l) => l.includes('rclone_manifest: to copy them'));
    expect(infoAt).toBeGreaterThan(warnAt);
    expect(infoAt).toBeLessThan(frameAt);
    // Wrapped, not cut: every word of the message is there, across lines no wider than the terminal.
    expect(infoAt - warnAt).toBeGreaterThan(1);
    expect(lines.slice(warnAt, infoAt).join('').replace(/\s+/g, '')).toContain(message.replace(/\s+/g, ''));
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(terminal.overflowed).toEqual([]);
    // No frozen copy of the frame in the scrollback.
    expect(lines.filter((l) => l.startsWith('stac_search'))).toHaveLength(1);
  });

  it('-q: no bars, no info, but item failures and errors still print', () => {
    const terminal = new FakeTerminal(80);
    const run = new RunTerminal({ quiet: true }, terminal);
    run.start(plan, new RunStats());
    run.log.info('wrote 3 rows');
    run.log.warn({ stage: 'stac_search' }, 'stac_search: check_conformance: false');
    run.log.warn({ item: 'TC1', stage: 'download', code: 'ERR_DOWNLOAD_HTTP' }, 'TC1: HTTP 404 from http://h/TC1.img');
    run.log.error('run aborted: every label read failed');
    const text = plain(terminal.text);
    expect(text).toContain('TC1: HTTP 404 from http://h/TC1.img');
    expect(text).toContain('run aborted: every label read failed');
    expect(text).not.toContain('wrote 3 rows');
    expect(text).not.toContain('check_conformance');
    expect(text).not.toContain('stac_search ');
  });
});
