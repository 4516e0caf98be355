import { pipelineYaml, WALL_CLOCK_MS, type PipelineOptions } from './pipeline.js';
import { runBounded, type BoundedRun } from './run-bounded.js';
import type { ScenarioSpec } from './scenario.js';
import type { HostileServer, ScenarioHandle } from './server.js';
import { Workspace } from './workspace.js';

export interface CaseRun {
  run: BoundedRun;
  ws: Workspace;
  scenario: ScenarioHandle;
  /** Symlinks the case planted under the output root (allowed to stay). */
  planted: string[];
}

export interface CaseOptions extends PipelineOptions {
  /** Prepares the output root before the run (symlinks, FIFOs); returns the symlinks it planted. */
  prepare?: (ws: Workspace, scenario: ScenarioHandle) => Promise<string[]>;
  wallClockMs?: number;
  /** Extra environment of the run (NODE_EXTRA_CA_CERTS for the TLS origin). */
  env?: Record<string, string>;
}

const workspaces: Workspace[] = [];

/** One scenario on `server`, one pipeline run against it in a fresh workspace, bounded. */
export async function runCase(server: HostileServer, name: string, spec: ScenarioSpec, options: CaseOptions = {}): Promise<CaseRun> {
  const scenario = server.scenario(name, spec);
  const ws = await Workspace.create();
  workspaces.push(ws);
  await ws.writePipeline(pipelineYaml(scenario, options));
  const planted = options.prepare ? await options.prepare(ws, scenario) : [];
  const run = await runBounded({ pipelineFile: ws.pipelineFile, cwd: ws.root, reportPath: ws.reportPath, wallClockMs: options.wallClockMs ?? WALL_CLOCK_MS, env: options.env });
  return { run, ws, scenario, planted };
}

/** Removes every workspace of the file (kept with HOSTILE_KEEP=1, to look at a failing case). */
export async function removeWorkspaces(): Promise<void> {
  if (process.env.HOSTILE_KEEP) return;
  await Promise.all(workspaces.splice(0).map((ws) => ws.remove()));
}
