/**
 * A history of scheduled nights for the incremental tests: one pipeline file with a state against one sandbox,
 * each night a real run of the built bin (as cron starts it), and what a night leaves behind read back in a
 * form two histories can be compared in (their folders, API and S3 ports written as placeholders).
 */
import { spawn } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Sandbox } from '../../sandbox/index.js';
import { ROOT } from '../cli/run-bin.js';
import { readLines, tempDir } from '../catalog/catalog-run.js';

export const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';

/** A night's bin run: how it ended, and its stderr's tail (JSON log lines at `-q`: errors only). */
export interface NightExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  wallMs: number;
}

/** What the state holds of one item, as two histories must agree on it. */
export interface StateRow {
  key: string;
  version: string;
  status: string;
  fields: unknown;
  failures: unknown;
  /** The entry's files without their run-local status (`downloaded` in one night, `skipped` in a later one). */
  files: Record<string, { path: string; bytes: number; etag?: string; checksum?: string }>;
}

export class NightHistory {
  private constructor(readonly name: string, readonly sandbox: Sandbox, readonly dir: string, readonly file: string) {}

  /**
   * The tutorial-shaped pipeline (labels, select, a filter on a label value, downloads; a snapshot ndjson and a
   * per-night csv) with a state, and `http:` deadlines of 2 s so that a stalled answer costs about that (short, yet above a loaded machine's delays).
   */
  static async create(name: string, sandbox: Sandbox): Promise<NightHistory> {
    const dir = await tempDir(`fault-nights-${name}`);
    const file = path.join(dir, 'nightly.yaml');
    await writeFile(
      file,
      [
        'name: nightly',
        `state: ${path.join(dir, 'state.sqlite')}`,
        'http: { connect_timeout: 2s, head_timeout: 2s, low_speed_time: 2s, request_timeout: 5s, retry_base_delay: 10ms, retry_max_delay: 50ms, give_up_after: 30s }',
        `s3: { region: us-west-2, anonymous: true, endpoint: "${sandbox.s3Endpoint}" }`,
        // safety_margin 0s: a change stamped before a night starts is that night's (the clock is real here).
        `source: { stac_search: { api: "${sandbox.url}", collections: [${MONO}], limit: 4, incremental: { safety_margin: 0s } } }`,
        'steps:',
        '  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: 8 }',
        '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle, emission_angle: caminfo.Caminfo.Geometry.EmissionAngle, gsd: gsd }',
        '  - filter: "incidence_angle < 80"',
        `  - download: { assets: [image], to: "${path.join(dir, 'data')}/{id}/", concurrency: 4 }`,
        'outputs:',
        `  - ndjson: { path: "${path.join(dir, 'out', 'all.ndjson')}" }`,
        `  - csv: { path: "${path.join(dir, 'out', 'night.csv')}", mode: append }`,
        '',
      ].join('\n'),
    );
    return new NightHistory(name, sandbox, dir, file);
  }

  get stateFile(): string {
    return path.join(this.dir, 'state.sqlite');
  }

  /** One night: the built bin run to its end (killed after `limitMs`); its csv kept as `night-<n>.csv`. */
  async night(n: number, limitMs: number): Promise<NightExit> {
    const ended = await runBin(this.file, limitMs);
    await copyFile(path.join(this.dir, 'out', 'night.csv'), path.join(this.dir, 'out', `night-${n}.csv`));
    return ended;
  }

  /** The text with this history's folder and the sandbox's addresses as placeholders. */
  normalized(text: string): string {
    return text.split(this.dir).join('<dir>').split(this.sandbox.url.replace(/\/$/, '')).join('<api>').split(this.sandbox.s3Endpoint).join('<s3>');
  }

  /** The snapshot catalog's lines, normalized, sorted by id. */
  async snapshot(): Promise<string[]> {
    const lines = await readLines(path.join(this.dir, 'out', 'all.ndjson'));
    const byId = (line: string) => (JSON.parse(line) as { id: string }).id;
    return lines.sort((a, b) => byId(a).localeCompare(byId(b))).map((line) => this.normalized(line));
  }

  /** Night `n`'s csv (header first), normalized, its rows sorted. */
  async nightCsv(n: number): Promise<string[]> {
    const [header, ...rows] = (await readFile(path.join(this.dir, 'out', `night-${n}.csv`), 'utf8')).split('\n').filter((l) => l !== '');
    return [header, ...rows.sort()].map((line) => this.normalized(line));
  }

  /** The report the last night wrote (beside the first output). */
  async report(): Promise<{ status?: string; failures?: unknown[]; state?: { counts?: Record<string, number> }; stages?: Array<{ label: string; counters: Record<string, number> }> }> {
    return JSON.parse(await readFile(path.join(this.dir, 'out', 'nightly.report.json'), 'utf8'));
  }

  /** Every item of the state, with its stored entry's fields, failures and files, sorted by key (read only, WAL included). */
  stateRows(): StateRow[] {
    const db = new Database(this.stateFile, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT i.key, i.version, i.status, e.entry FROM items i LEFT JOIN entries e ON e.item_no = i.item_no ORDER BY i.key').all() as Array<{ key: string; version: string; status: string; entry: string | null }>;
      return rows.map((row) => {
        const entry = JSON.parse(this.normalized(row.entry ?? '{}')) as { fields?: unknown; failures?: unknown; files?: Record<string, StateRow['files'][string]> };
        const files = Object.fromEntries(Object.entries(entry.files ?? {}).map(([asset, f]) => [asset, { path: f.path, bytes: f.bytes, etag: f.etag, checksum: f.checksum }]));
        return { key: row.key, version: row.version, status: row.status, fields: entry.fields, failures: entry.failures, files };
      });
    } finally {
      db.close();
    }
  }

  /** The runs the state recorded: status and exit code, oldest first. */
  runs(): Array<{ status: string; exit_code: number | null; failed_items: number }> {
    const db = new Database(this.stateFile, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT status, exit_code, failed_items FROM runs ORDER BY id').all() as Array<{ status: string; exit_code: number | null; failed_items: number }>;
    } finally {
      db.close();
    }
  }
}

/** The built run-pipeline bin on `file` (cwd its folder, `-q`), SIGKILLed after `limitMs`. */
function runBin(file: string, limitMs: number): Promise<NightExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run-pipeline.js'), file, '-q', '--no-progress'], {
      cwd: path.dirname(file),
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: limitMs,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    const started = Date.now();
    child.on('exit', (code, signal) => resolve({ code, signal, stderr: stderr.slice(-3000), wallMs: Date.now() - started }));
  });
}
