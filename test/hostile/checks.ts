import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { incidenceAngleOf } from './objects.js';
import { RSS_LIMIT_BYTES, MiB, type BoundedRun } from './run-bounded.js';
import { COLLECTION, imageFileOf } from './scenario.js';
import type { ScenarioHandle } from './server.js';
import type { Workspace } from './workspace.js';

/** What the tests check on every hostile run, as lists of problems (empty when all holds) so a failing test says all of it. */

/** The run ended by itself, within `deadlineMs`, under the RSS bound, and wrote its report. */
export function boundProblems(run: BoundedRun, deadlineMs: number): string[] {
  const problems: string[] = [];
  if (run.killed) problems.push(`killed by the harness (${run.killed}) after ${run.durationMs} ms, peak RSS ${mb(run.peakRssBytes)}`);
  if (run.durationMs > deadlineMs) problems.push(`took ${run.durationMs} ms, over the ${deadlineMs} ms deadline`);
  if (run.peakRssBytes > RSS_LIMIT_BYTES) problems.push(`peak RSS ${mb(run.peakRssBytes)} over ${mb(RSS_LIMIT_BYTES)}`);
  if (!run.killed && !run.report) problems.push(`no run report (exit ${run.exitCode}); stderr: ${tail(run.stderr)}`);
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(run.stderr) && run.report?.error?.code === 'ERR_UNEXPECTED') problems.push(`unexpected error with a stack: ${tail(run.stderr)}`);
  return problems;
}

export const failureOf = (run: BoundedRun, id: string) => run.report?.failures.find((f) => f.item === id);

/** The `http:` key a limit's error code must name in its message (PREAMBLE: "more than http.max_label_bytes = 16 MiB"). */
const LIMIT_KEYS: Record<string, string> = {
  ERR_LABEL_TOO_LARGE: 'http.max_label_bytes',
  ERR_S3_TOO_LARGE: 'http.max_label_bytes',
  ERR_STAC_TOO_LARGE: 'http.max_page_bytes',
  ERR_HEAD_TIMEOUT: 'http.head_timeout',
  ERR_LOW_SPEED: 'http.low_speed',
  ERR_REQUEST_TIMEOUT: 'http.request_timeout',
};

/** A failure or run error whose code is a broken limit names that limit's `http:` key. */
export function limitProblems(failure: { code: string; message: string } | undefined): string[] {
  const key = failure ? LIMIT_KEYS[failure.code] : undefined;
  return key && !failure!.message.includes(key) ? [`${failure!.code} message does not name ${key}: ${failure!.message.slice(0, 300)}`] : [];
}

/** How many requests of each method reached one object of a scenario (S3 or plain HTTP): one retry layer, not several multiplied. */
export function requestCounts(scenario: ScenarioHandle, id: string, file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of scenario.requests()) {
    if (r.path.endsWith(`/${id}/${file}`)) counts[r.method] = (counts[r.method] ?? 0) + 1;
  }
  return counts;
}

/** The good items: not failed, in the CSV with their label's value, their image byte for byte what the server holds. */
export async function goodItemProblems(ws: Workspace, scenario: ScenarioHandle, run: BoundedRun, ids: readonly string[], csvPath = ws.csvPath): Promise<string[]> {
  const problems: string[] = [];
  let rows: Array<Record<string, string>> = [];
  try {
    rows = await readCsv(csvPath);
  } catch (err) {
    problems.push(`no CSV at ${csvPath}: ${(err as Error).message}`);
  }
  for (const id of ids) {
    const failure = failureOf(run, id);
    if (failure) problems.push(`${id} failed: ${failure.stage} ${failure.code} ${failure.message}`);
    const row = rows.find((r) => r.id === id);
    const expectedAngle = incidenceAngleOf(scenario.object(id, 'label').body);
    if (rows.length > 0 && !row) problems.push(`${id} has no CSV row`);
    if (row && row.failed) problems.push(`${id} CSV row says failed: ${row.failed}`);
    if (row && Math.abs(Number(row.incidence_angle) - expectedAngle) > 1e-9) problems.push(`${id} incidence_angle ${row.incidence_angle}, label says ${expectedAngle}`);
    const file = ws.imagePath(COLLECTION, id, imageFileOf(id));
    try {
      const bytes = await readFile(file);
      if (!bytes.equals(scenario.object(id, 'image').body)) problems.push(`${id} image differs from what the server holds (${bytes.length} bytes)`);
    } catch (err) {
      problems.push(`${id} image not downloaded: ${(err as Error).message}`);
    }
  }
  return problems;
}

export async function readCsv(file: string): Promise<Array<Record<string, string>>> {
  return parse(await readFile(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
}

/** One line a case, appended to $HOSTILE_SUMMARY when set: what the lead routes failures with. */
export async function recordOutcome(name: string, run: BoundedRun, notes: Record<string, unknown> = {}): Promise<void> {
  const file = process.env.HOSTILE_SUMMARY;
  if (!file) return;
  const line = {
    case: name,
    exit: run.exitCode,
    signal: run.signal,
    killed: run.killed ?? null,
    duration_ms: run.durationMs,
    peak_rss_mb: Math.round(run.peakRssBytes / MiB),
    error: run.report?.error?.code ?? null,
    error_message: run.report?.error?.message?.slice(0, 300) ?? null,
    failures: (run.report?.failures ?? []).map((f) => `${f.item}:${f.stage}:${f.code}`),
    failure_messages: (run.report?.failures ?? []).map((f) => `${f.item}: ${f.message.slice(0, 200)}`),
    stderr_tail: run.report ? undefined : tail(run.stderr),
    ...notes,
  };
  await appendFile(path.resolve(file), `${JSON.stringify(line)}\n`);
}

const mb = (bytes: number): string => `${Math.round(bytes / MiB)} MB`;
const tail = (text: string): string => text.slice(-800);
