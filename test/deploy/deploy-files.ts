import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { parseAllDocuments } from 'yaml';
import { failAsUsageError } from '../../src/cli/main.js';
import { mergeCommand } from '../../src/cli/commands/merge.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { runPipelineCli } from '../../src/cli/run-pipeline.js';

/** What the tests of deploy/ read: the manifests, the Dockerfile, and the real command-line parsers. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const KUBERNETES_DIR = path.join(ROOT, 'deploy', 'kubernetes');
export const BATCH_DIR = path.join(ROOT, 'deploy', 'aws-batch');

export const readText = (...parts: string[]): string => readFileSync(path.join(ROOT, ...parts), 'utf8');
export const readJson = (...parts: string[]): unknown => JSON.parse(readText(...parts));

/** One Kubernetes object of a manifest file, with where it came from (for the messages). */
export interface Manifest {
  readonly file: string;
  readonly index: number;
  readonly object: Record<string, any>;
}

/** Every object of every deploy/kubernetes/*.yaml, as `kubectl apply -f` would read them. */
export function kubernetesManifests(): Manifest[] {
  const files = readdirSync(KUBERNETES_DIR).filter((name) => /\.ya?ml$/.test(name)).sort();
  return files.flatMap((name) =>
    parseAllDocuments(readFileSync(path.join(KUBERNETES_DIR, name), 'utf8')).flatMap((doc, index) => {
      if (doc.errors.length > 0) throw new Error(`deploy/kubernetes/${name}: ${doc.errors[0].message}`);
      const object = doc.toJS() as Record<string, any> | null;
      return object ? [{ file: `deploy/kubernetes/${name}`, index, object }] : [];
    }),
  );
}

/** The object of `kind` named `name` (exactly one). */
export function manifest(kind: string, name: string): Record<string, any> {
  const found = kubernetesManifests().filter((m) => m.object.kind === kind && m.object.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name} in deploy/kubernetes, found ${found.length}`);
  return found[0].object;
}

/** A Dockerfile instruction, continuation lines joined and comments left out. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export function dockerfileInstructions(text = readText('Dockerfile')): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && !pending)) return;
    const joined = pending ? `${pending.text} ${line}` : line;
    const start = pending?.line ?? i + 1;
    if (joined.endsWith('\\')) {
      pending = { text: joined.slice(0, -1).trim(), line: start };
      return;
    }
    pending = undefined;
    const match = /^(\S+)\s*(.*)$/.exec(joined);
    if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2], line: start });
  });
  return instructions;
}

/** The JSON form of ENTRYPOINT / CMD (`["a", "b"]`): the only form the Dockerfile uses (no shell in between). */
export function execForm(instruction: Instruction | undefined): string[] {
  if (!instruction) throw new Error('no such instruction in the Dockerfile');
  const value: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`Dockerfile:${instruction.line}: ${instruction.keyword} is not in exec form`);
  return value;
}

/**
 * What deploy/docker/entrypoint.sh runs for the container's arguments: `stacflow ...` or `run-pipeline ...` as
 * they are, anything else as run-pipeline's arguments (test/deploy/dockerfile.test.ts runs the script itself).
 */
export function entrypointCommand(args: readonly string[]): string[] {
  return args[0] === 'stacflow' || args[0] === 'run-pipeline' ? [...args] : ['run-pipeline', ...args];
}

/** A command line the image's process receives: [bin, ...args]. */
export type CommandLine = readonly string[];

/**
 * Parses a command line with the real yargs parsers of the bins (strict: an unknown option throws a
 * UsageError), without running anything: run-pipeline has no handler; stacflow's merge and plan are parsed
 * with their own builders and a handler that does nothing.
 */
export async function parseCommandLine(line: CommandLine): Promise<Record<string, unknown>> {
  const [bin, ...args] = line;
  if (bin === 'run-pipeline') return (await runPipelineCli(args).parseAsync()) as Record<string, unknown>;
  if (bin === 'stacflow') {
    const module = { merge: mergeCommand, plan: planCommand }[args[0] as 'merge' | 'plan'];
    if (!module) throw new Error(`stacflow ${args[0]}: not a command the deploy files are expected to run`);
    const parser = failAsUsageError(yargs(args), { bin: 'stacflow', argv: args })
      .command({ ...module, handler: () => undefined } as never)
      .strict()
      .exitProcess(false);
    return (await parser.parseAsync()) as Record<string, unknown>;
  }
  throw new Error(`${bin}: not a stacflow bin`);
}
