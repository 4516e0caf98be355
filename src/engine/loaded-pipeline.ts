import type { SourceLocation } from '../errors.js';
import type { HttpLimits } from '../http/limits.js';
import type { OutputStage, SourceStage, Stage, StepStage } from './stage.js';

/** Stages by YAML name (`stac_search`); `operators/index.ts` builds the real one. */
export type StageRegistry = ReadonlyMap<string, Stage>;

/** One stage as a pipeline file configures it: options parsed and defaulted by its schema, then frozen. */
export interface ConfiguredStage<S extends Stage = Stage> {
  readonly stage: S;
  readonly options: unknown;
  /** Names this instance in logs, stats and failures: the stage name, `filter#2` for the second filter. */
  readonly label: string;
  /** Where the stage is written (its name's key), for errors raised when it is built or run. */
  readonly location: SourceLocation;
}

/** A valid pipeline file, normalised once and frozen (DESIGN.md, "A pipeline file"). */
export interface LoadedPipeline {
  /** The file as it was named to `loadPipeline`, used in every message. */
  readonly file: string;
  readonly name: string;
  readonly schedule?: string;
  readonly state?: string;
  readonly report?: string;
  readonly s3: Readonly<{ region: string; anonymous: boolean; endpoint: string }>;
  /** Limits and deadlines of every read (`http:`), defaults filled in. */
  readonly http: HttpLimits;
  readonly source: ConfiguredStage<SourceStage>;
  readonly steps: readonly ConfiguredStage<StepStage>[];
  readonly outputs: readonly ConfiguredStage<OutputStage>[];
}
