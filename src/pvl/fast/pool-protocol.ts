import type { PvlSyntaxErrorDetails } from '../errors.js';
import type { PvlStatement } from '../model.js';

/** Main thread → parse worker: one text to parse. */
export interface ParseRequest {
  readonly id: number;
  readonly text: string;
  readonly source: string | undefined;
  /** The fast path already declined the text on the main thread: go straight to the error path. */
  readonly declined?: boolean;
}

/**
 * Parse worker → main thread: the statements, a syntax error's details, or an unexpected failure.
 * Statements travel as JSON text (`json`): JSON.parse rebuilds them on the main thread in about half the
 * time structured clone takes. A model holding a number JSON cannot carry (-0, ±Infinity, NaN: reals such
 * as `-0.0` or `1.8e308`) travels as `statements`, by structured clone.
 */
export type ParseReply =
  | { readonly id: number; readonly json: string }
  | { readonly id: number; readonly statements: readonly PvlStatement[] }
  | { readonly id: number; readonly syntax: PvlSyntaxErrorDetails }
  | { readonly id: number; readonly failure: string };
