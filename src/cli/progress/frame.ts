import { terminalText } from '../../util/terminal-text.js';
import type { ProgressSnapshot, StageProgress, TransferProgress } from './model.js';
import { shortNames } from './short-names.js';
import { formatBytes, formatDuration, formatItemRate, formatPercent, formatRate } from './units.js';

/** Per-file bars shown at most; the others are counted on one line. */
export const MAX_FILE_BARS = 4;
/** Files smaller than this come and go too fast for a bar of their own (they still count in their stage). */
export const LARGE_FILE_BYTES = 1024 * 1024;
const BAR_WIDTH = 12;

/**
 * The lines progress draws on a TTY (rclone -P's content, one block a stage): a bar, % and ETA when the total is
 * known, counts, bytes done / to do and the current rate, files already there and resumed apart, then a bar a
 * large download in flight. Every line fits `columns` (the terminal would wrap a longer one and break the
 * redraw): a stage's parts that do not fit go on to an indented line rather than being cut. Text from the data
 * (collection ids, file names) is escaped (src/util/terminal-text.ts).
 */
export function renderFrame(snapshot: ProgressSnapshot, columns: number): string[] {
  const width = Math.max(20, columns - 1);
  const labelWidth = Math.min(16, Math.max(...snapshot.stages.map((s) => s.label.length)));
  const lines: string[] = [];
  for (const stage of snapshot.stages) lines.push(...fit([terminalText(stage.label).padEnd(labelWidth), ...stageParts(stage)], width, labelWidth + 2));
  const large = snapshot.transfers.filter((t) => t.size === undefined || t.size >= LARGE_FILE_BYTES);
  for (const transfer of large.slice(0, MAX_FILE_BARS)) lines.push(...fit(transferParts(transfer, width), width, 4));
  if (large.length > MAX_FILE_BARS) lines.push(`   … and ${large.length - MAX_FILE_BARS} more files downloading`);
  lines.push(...fit(footerParts(snapshot), width, 2));
  return lines;
}

function stageParts(stage: StageProgress): string[] {
  const parts: string[] = [];
  const { total } = stage;
  const noun = stage.role === 'source' ? ' items' : '';
  if (total !== undefined && total > 0) {
    parts.push(bar(stage.done, total), formatPercent(stage.done, total).padStart(4), `${stage.done}/${total}${noun}`);
  } else if (stage.role !== 'source' && stage.in === 0) {
    parts.push('waiting');
  } else {
    parts.push(`${stage.done}${noun}`);
  }
  if (stage.pages !== undefined) parts.push(`in ${stage.pages} pages`);
  if (stage.rate > 0) parts.push(formatItemRate(stage.rate));
  if (stage.eta_s !== undefined && stage.done < (total ?? Infinity)) parts.push(`ETA ${formatDuration(stage.eta_s)}`);
  if (stage.dropped) parts.push(`dropped ${stage.dropped}`);
  if (stage.failed) parts.push(`failed ${stage.failed}`);
  if (stage.files) {
    if (stage.files.skipped) parts.push(`${stage.files.skipped} already there`);
    if (stage.files.resumed) parts.push(`${stage.files.resumed} resumed`);
  }
  if (stage.bytes) {
    const { done, total: bytesTotal, estimated, rate } = stage.bytes;
    parts.push(bytesTotal !== undefined ? `${formatBytes(done)} / ${estimated ? '~' : ''}${formatBytes(bytesTotal)}` : formatBytes(done));
    if (rate > 0) parts.push(formatRate(rate));
  }
  if (stage.collections && Object.keys(stage.collections).length > 1) {
    const ids = Object.keys(stage.collections);
    const names = shortNames(ids);
    parts.push(...ids.map((id, i) => `${terminalText(names[i])} ${stage.collections?.[id]}`));
  }
  return parts;
}

function transferParts(t: TransferProgress, width: number): string[] {
  const numbers = t.size !== undefined ? [bar(t.bytes, t.size, 10), formatPercent(t.bytes, t.size).padStart(4), `${formatBytes(t.bytes)}/${formatBytes(t.size)}`] : [formatBytes(t.bytes)];
  if (t.rate > 0) numbers.push(formatRate(t.rate));
  if (t.eta_s !== undefined) numbers.push(formatDuration(t.eta_s));
  // The name takes what the numbers leave, its end kept (the file name says more than the folders).
  const room = Math.max(12, width - 3 - numbers.join('  ').length - 2);
  return [` * ${tail(terminalText(t.name), room)}`, ...numbers];
}

function footerParts(s: ProgressSnapshot): string[] {
  const parts = [`elapsed ${formatDuration(s.elapsed_s)}`, s.expected !== undefined ? `${s.items} of ${s.expected} items` : `${s.items} items`];
  if (s.eta_s !== undefined && s.eta_s > 0) parts.push(`ETA ${formatDuration(s.eta_s)}`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.state) {
    const told = ['new', 'changed', 'unchanged', 'retried', 'given_up'].filter((key) => s.state?.[key]).map((key) => `${s.state?.[key]} ${key.replace('_', ' ')}`);
    if (told.length > 0) parts.push(`state: ${told.join(', ')}`);
  }
  return parts;
}

function bar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = Math.min(width, Math.floor((width * Math.min(done, total)) / total));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** `parts` joined by two spaces into lines of at most `width`; a line goes on indented by `indent`. */
export function fit(parts: string[], width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    const next = line === '' ? part : `${line}  ${part}`;
    if (length(next) <= width || line.trim() === '') {
      line = next;
    } else {
      lines.push(line);
      line = `${' '.repeat(indent)}${part}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => (length(l) <= width ? l : `${[...l].slice(0, width - 1).join('')}…`));
}

/** The last `room` characters of `text`, `…` in front when cut. */
function tail(text: string, room: number): string {
  const chars = [...text];
  return chars.length <= room ? text : `…${chars.slice(chars.length - room + 1).join('')}`;
}

const length = (text: string): number => [...text].length;
