import type { BenchObject } from './download-objects.js';
import type { Budget } from './download-tools.js';

/** The download benchmark's printed report: a row per run, totals, ratios against rclone, and how it was measured. */

const MB = 1e6;

export type Tool = 'stacflow' | 'rclone' | 'undici';

/** The order tools are listed in. */
export const TOOLS: readonly Tool[] = ['stacflow', 'rclone', 'undici'];

export interface RunFigures {
  tool: Tool;
  round: number;
  bytes: number;
  /** From the first request nginx logged for the run to the tool's exit: start-up and STAC search excluded. */
  windowS: number;
  /** Spawn to exit. */
  wallS: number;
  /** Spawn to the first request at nginx: process start-up (and, for stacflow, the STAC search). */
  startS: number;
  /** From the last byte nginx sent for the run to the tool's exit: what the tool does after the transfers. */
  tailS: number;
  /** A `sync` right after the exit: writing back what the tool left dirty in the page cache (rclone never fsyncs). */
  syncS: number;
  peakRssMb: number;
  /** CPU seconds (user + system) of the tool's process: what the copy cost on a machine shared with nginx. */
  cpuS: number;
  requests: string;
  /** stacflow only: the download stage's own figures from the run report. */
  stage?: string;
}

export function formatReport(input: {
  /** Which endpoint of nginx the run used. */
  protocol: 'https' | 'http';
  objects: BenchObject[];
  small: { count: number; bytes: number };
  large: { count: number; bytes: number };
  rounds: number;
  budget: Budget;
  workers: number | 'auto';
  figures: RunFigures[];
}): string {
  const { figures, budget } = input;
  const tools = TOOLS.filter((tool) => figures.some((f) => f.tool === tool));
  const of = (tool: Tool, round?: number) => figures.filter((f) => f.tool === tool && (round === undefined || f.round === round));
  const sum = (fs: RunFigures[], key: 'bytes' | 'windowS' | 'wallS' | 'startS' | 'tailS' | 'syncS' | 'cpuS') => fs.reduce((a, f) => a + f[key], 0);
  /** MB/s three ways: over the window (the headline), spawn to exit, and the window plus the sync after it. */
  const speeds = (fs: RunFigures[]) => {
    const mb = sum(fs, 'bytes') / MB;
    return { window: mb / sum(fs, 'windowS'), wall: mb / sum(fs, 'wallS'), durable: mb / (sum(fs, 'windowS') + sum(fs, 'syncS')) };
  };
  const row = (label: string, tool: Tool, fs: RunFigures[], requests = '') => {
    const v = speeds(fs);
    return [
      label.padEnd(5),
      tool.padEnd(8),
      v.window.toFixed(0).padStart(5),
      v.wall.toFixed(0).padStart(9),
      v.durable.toFixed(0).padStart(11),
      sum(fs, 'startS').toFixed(2).padStart(7),
      sum(fs, 'windowS').toFixed(2).padStart(8),
      sum(fs, 'tailS').toFixed(2).padStart(6),
      sum(fs, 'syncS').toFixed(2).padStart(6),
      (sum(fs, 'cpuS') / (sum(fs, 'bytes') / 1e9)).toFixed(2).padStart(8),
      `${Math.max(...fs.map((f) => f.peakRssMb)).toFixed(0)} MB`.padStart(8),
      `  ${requests}`,
    ].join(' ');
  };
  const lines = [
    `download: ${input.objects.length} objects (${input.small.count} × ${(input.small.bytes / MB).toFixed(1)} MB, ${input.large.count} × ${(input.large.bytes / MB).toFixed(1)} MB), ` +
      `from nginx over ${input.protocol.toUpperCase()} on 127.0.0.1 (${input.workers} workers, ${input.protocol === 'https' ? 'TLS with the test certificate' : 'sendfile'}, keep-alive); ${input.rounds} round(s) after an untimed warm-up, alternating (which tool goes first alternates too), each into an empty folder`,
    `budget: stacflow concurrency ${budget.transfers}, max_requests ${budget.maxRequests}, multipart_threshold ${budget.multipartThreshold}, part_size ${budget.partSize}` +
      ` | rclone --transfers ${budget.transfers}, --multi-thread-streams ${budget.streams}, --multi-thread-cutoff ${budget.rcloneCutoff}, --no-traverse` +
      (tools.includes('undici') ? ` | undici: a bare client, ${budget.transfers} requests at a time, parts as stacflow's (bench/download-undici-process.ts)` : ''),
    'round tool      MB/s MB/s wall MB/s +sync start s window s tail s sync s CPU s/GB peak RSS  requests at nginx',
  ];
  for (let round = 0; round < input.rounds; round += 1) {
    for (const tool of tools) {
      const fs = of(tool, round);
      if (fs.length > 0) lines.push(row(String(round + 1), tool, fs, fs[0]!.requests));
    }
  }
  for (const tool of tools) lines.push(row('all', tool, of(tool)));
  const ratio = (tool: Tool, reference: Tool, round?: number) => {
    const s = speeds(of(tool, round));
    const r = speeds(of(reference, round));
    return `${(s.window / r.window).toFixed(2)} (wall ${(s.wall / r.wall).toFixed(2)}, +sync ${(s.durable / r.durable).toFixed(2)})`;
  };
  const perRound = (tool: Tool, reference: Tool) => Array.from({ length: input.rounds }, (_, round) => `round ${round + 1} ${ratio(tool, reference, round)}`);
  lines.push(`${input.protocol.toUpperCase()} ratio stacflow/rclone MB/s: ${perRound('stacflow', 'rclone').join('; ')}; all ${ratio('stacflow', 'rclone')} — goal ≥ 1.0`);
  if (tools.includes('undici')) {
    lines.push(`${input.protocol.toUpperCase()} ratio undici/rclone MB/s (the floor's own ratio): ${perRound('undici', 'rclone').join('; ')}; all ${ratio('undici', 'rclone')}`);
    lines.push(`${input.protocol.toUpperCase()} ratio stacflow/undici MB/s (the engine's cost): all ${ratio('stacflow', 'undici')}`);
  }
  const rss = (tool: Tool) => Math.max(...of(tool).map((f) => f.peakRssMb)).toFixed(0);
  lines.push(`peak RSS: stacflow ${rss('stacflow')} MB (goal < 150 MB), rclone ${rss('rclone')} MB${tools.includes('undici') ? `, undici ${rss('undici')} MB` : ''}`);
  for (const f of of('stacflow')) if (f.stage) lines.push(`stacflow round ${f.round + 1} run report: download ${f.stage}`);
  lines.push(
    'MB/s: 10^6 bytes/s from the first request nginx logged for the run to the process exit, so process start-up and',
    "  stacflow's STAC search of the sandbox (both in `start s`) are excluded; `tail s` is the part of the window after the",
    '  last byte nginx sent (finishing files, catalogs, exit). MB/s wall: spawn to exit. MB/s +sync: the window',
    '  plus a `sync` run right after the exit (stacflow fsyncs every file before renaming it; rclone leaves its writes in the',
    '  page cache, so +sync compares durable copies). Peak RSS: GNU time %M (ru_maxrss, = VmHWM at exit) for each;',
    "  CPU s/GB: the process's user + system CPU seconds (GNU time %U + %S) per 10^9 bytes copied.",
    '  undici (when run): the floor, a bare undici client with no engine (no HEAD, fsync, sidecar or rename; 256 KiB writev).',
    '  nginx sends its own ETags ("mtime-size", not MD5s): neither tool can check an MD5, both alike. Every run is checked',
    '  afterwards: all sizes, no .part left, MD5 of every 8th small file and one large file against the source.',
    '',
  );
  return lines.join('\n');
}

export interface ProtocolFigures {
  protocol: 'https' | 'http';
  figures: RunFigures[];
}

/** The headline of the whole bench: each protocol's ratio (all rounds, over the window) and the peak RSS of each tool. */
export function formatSummary(results: ProtocolFigures[]): string {
  const mbps = (fs: RunFigures[]) => fs.reduce((a, f) => a + f.bytes, 0) / MB / fs.reduce((a, f) => a + f.windowS, 0);
  const lines = results.map(({ protocol, figures }) => {
    const s = figures.filter((f) => f.tool === 'stacflow');
    const r = figures.filter((f) => f.tool === 'rclone');
    const u = figures.filter((f) => f.tool === 'undici');
    const peak = (fs: RunFigures[]) => Math.max(...fs.map((f) => f.peakRssMb)).toFixed(0);
    return `${protocol.toUpperCase().padEnd(5)} stacflow ${mbps(s).toFixed(0)} MB/s, rclone ${mbps(r).toFixed(0)} MB/s: ratio ${(mbps(s) / mbps(r)).toFixed(2)}` +
      ` | peak RSS stacflow ${peak(s)} MB, rclone ${peak(r)} MB` +
      (u.length > 0 ? ` | floor: bare undici ${mbps(u).toFixed(0)} MB/s, ${(mbps(u) / mbps(r)).toFixed(2)} of rclone, ${peak(u)} MB` : '');
  });
  return ['summary (goals: ratio ≥ 1.0 over HTTPS; stacflow peak RSS < 150 MB)', ...lines, ''].join('\n');
}
