import { StacflowError } from '../../errors.js';

export type Cql2ErrorCode = 'ERR_CQL2_SYNTAX' | 'ERR_CQL2_JSON' | 'ERR_CQL2_LITERAL' | 'ERR_CQL2_UNSUPPORTED';

export interface Cql2ErrorDetails {
  readonly code: Cql2ErrorCode;
  /** What is wrong, in CQL2 words (`expected a property name, a number or a string`). */
  readonly reason: string;
  /** Where the expression comes from (`pipeline.yaml steps[2].filter`), or undefined. */
  readonly where?: string;
  /** 1-based line and column in a text expression (0 for JSON and for a tree without a text). */
  readonly line?: number;
  readonly column?: number;
  /** In CQL2 JSON, the path to the mistake (`args[1].args[0]`); '' for the whole value. */
  readonly jsonPath?: string;
  /** The text expression's line, to show under the message. */
  readonly lineText?: string;
}

/**
 * A filter that is not CQL2, or that stacflow cannot evaluate: raised at load, so the pipeline is invalid
 * (`fatal`). The message names the place: `filter:1:14: expected a number` with the line and a caret for
 * text, `filter: args[1].op: unknown operator` for JSON.
 */
export class Cql2Error extends StacflowError {
  readonly reason: string;
  readonly where: string | undefined;
  readonly line: number;
  readonly column: number;
  readonly jsonPath: string | undefined;

  constructor(details: Cql2ErrorDetails) {
    super(details.code, formatCql2Error(details), { errorClass: 'fatal' });
    this.reason = details.reason;
    this.where = details.where;
    this.line = details.line ?? 0;
    this.column = details.column ?? 0;
    this.jsonPath = details.jsonPath;
  }
}

function formatCql2Error(d: Cql2ErrorDetails): string {
  const where = d.where ?? 'CQL2';
  if (d.jsonPath !== undefined) return `${where}: ${d.jsonPath === '' ? 'the filter' : d.jsonPath}: ${d.reason}`;
  if (!d.line) return `${where}: ${d.reason}`;
  const head = `${where}:${d.line}:${d.column}: ${d.reason}`;
  if (d.lineText === undefined) return head;
  const gutter = String(d.line);
  const shown = d.lineText.replace(/\t/g, ' ');
  return [head, `  ${gutter} | ${shown}`, `  ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, (d.column ?? 1) - 1))}^`].join('\n');
}
