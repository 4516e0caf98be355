import type { Observable, OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { Entry } from '../entry.js';
import type { RunContext } from './context.js';

/**
 * A stage as the registry knows it: its YAML name, its docs, its options schema and its factory.
 * Options reach `create` parsed and defaulted by `schema` (normalised once, then frozen).
 */
interface StageBase<S extends z.ZodType> {
  /** Name as written in YAML (`stac_search`); the file is the kebab-case form (`stac-search.ts`). */
  readonly name: string;
  /** One line for `stacflow stages`. */
  readonly summary: string;
  /** A YAML example of the stage as it stands in a pipeline file (runs in a test). */
  readonly example: string;
  readonly schema: S;
}

export interface SourceStage<S extends z.ZodType = z.ZodType> extends StageBase<S> {
  readonly kind: 'source';
  create(options: z.output<S>, ctx: StageContext): Observable<Entry>;
}

export interface StepStage<S extends z.ZodType = z.ZodType, R extends StepCreated = StepCreated> extends StageBase<S> {
  readonly kind: 'step';
  create(options: z.output<S>, ctx: StageContext): R;
}

/** What a step's `create` gives: an operator, or an operator with end-of-run work (StepInstance). */
export type StepCreated = OperatorFunction<Entry, Entry> | StepInstance;

/**
 * A step that also writes files of its own at the end of the run (rclone_manifest's lists): `finish` runs
 * after the stream completed, with the outputs, and its result is listed in the report's `outputs` under the
 * step's label; `abort` runs instead when the run fails.
 */
export interface StepInstance {
  readonly operator: OperatorFunction<Entry, Entry>;
  finish?(): Promise<OutputResult>;
  abort?(): Promise<void>;
}

/** Writes a catalog. `write` is called in stream order; `finish` makes the result visible (atomic rename). */
export interface OutputSink {
  write(entry: Entry): void | Promise<void>;
  finish(): Promise<OutputResult>;
  /** The run failed: remove temporary files, leave any earlier complete output in place. */
  abort(): Promise<void>;
}

export interface OutputResult {
  path: string;
  rows: number;
  [extra: string]: unknown;
}

export interface OutputStage<S extends z.ZodType = z.ZodType> extends StageBase<S> {
  readonly kind: 'output';
  create(options: z.output<S>, ctx: StageContext): OutputSink;
}

export type Stage = SourceStage | StepStage | OutputStage;
export type StageKind = Stage['kind'];

/** The run context seen by one stage instance: `label` names it in logs, stats and failures (`filter#2`). */
export interface StageContext extends RunContext {
  readonly label: string;
}
