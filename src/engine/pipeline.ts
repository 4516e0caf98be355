import type { SourceLocation } from '../errors.js';
import type { HttpLimits } from '../http/limits.js';
import type { OutputS3Settings } from '../remote-output/settings.js';
import type { S3Settings } from '../s3/settings.js';
import type { OutputStage, SourceStage, Stage, StepStage } from './stage.js';

/** Stages by YAML name (`stac_search`); `operators/index.ts` builds the real one. */
export type StageRegistry = ReadonlyMap<string, Stage>;

/**
 * One stage as a pipeline configures it: the registry entry, its options parsed and defaulted by the stage's
 * schema (then frozen), and its label. Typed by kind, so the engine calls `stage.create(options, ctx)` as is.
 */
export interface ConfiguredStage<S extends Stage = Stage> {
  readonly stage: S;
  readonly options: unknown;
  /** Names this instance in logs, stats and failures: the stage name, `filter#2` for the second filter. */
  readonly label: string;
  /** Where the stage is written (its name's key), for errors raised when it is built or run. */
  readonly location: SourceLocation;
}

/**
 * A pipeline, as the engine runs it: the one description of a valid pipeline file (src/config/ makes it,
 * normalised once and frozen: DESIGN.md, "A pipeline file"), or of one built in code (tests, benchmarks).
 */
export interface LoadedPipeline {
  /** The file as it was named to `loadPipeline`, used in every message. */
  readonly file: string;
  readonly name: string;
  readonly schedule?: string;
  /** The IANA time zone `schedule` is read in (`schedule_timezone:`); default: the machine's. */
  readonly scheduleTimezone?: string;
  readonly state?: string;
  readonly report?: string;
  readonly s3: Readonly<S3Settings>;
  /** Limits and deadlines of every read (`http:`); src/config fills the defaults in, DEFAULT_LIMITS when absent. */
  readonly http?: HttpLimits;
  /** How `s3://` outputs are uploaded and read back (`outputs_s3:`); DEFAULT_OUTPUT_S3 when absent. */
  readonly outputsS3?: OutputS3Settings;
  /** Failures in a row with one code that end the run (`fail_fast:`, failure-streaks.ts); false: never. Default 20. */
  readonly failFast?: number | false;
  readonly source: ConfiguredStage<SourceStage>;
  readonly steps: readonly ConfiguredStage<StepStage>[];
  readonly outputs: readonly ConfiguredStage<OutputStage>[];
}
