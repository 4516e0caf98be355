import { StacflowError } from '../errors.js';

/**
 * Errors of the STAC API client. The search is the source of a run: when it cannot go on there is no
 * entry to pin a failure to, so every error here is run-fatal (exit code 1); the message says which
 * request failed and what to do.
 */

export type StacApiErrorCode =
  /** No response after the retries: DNS, refused, reset, no connection within http.connect_timeout. */
  | 'ERR_STAC_UNREACHABLE'
  /** The API answered 400 to the search: a parameter it does not accept. */
  | 'ERR_STAC_BAD_REQUEST'
  /** Any other non-2xx answer (after the retries for 408/429/5xx, or a Retry-After longer than http.max_retry_after). */
  | 'ERR_STAC_HTTP'
  /** A 2xx answer whose body is not JSON, or not the JSON a STAC API sends. */
  | 'ERR_STAC_BAD_RESPONSE'
  /** The landing page is not a STAC API landing page. */
  | 'ERR_STAC_NOT_STAC'
  /** A next link asks for a request already made in this search: following it would never end. */
  | 'ERR_STAC_NEXT_LOOP'
  /** A page (or the landing page, conformance) is larger than http.max_page_bytes: not retried. */
  | 'ERR_STAC_TOO_LARGE'
  /** After the retries: no response head within http.head_timeout. */
  | 'ERR_HEAD_TIMEOUT'
  /** After the retries: a body slower than http.low_speed_limit for http.low_speed_time. */
  | 'ERR_LOW_SPEED'
  /** After the retries: no complete answer within http.request_timeout. */
  | 'ERR_REQUEST_TIMEOUT'
  /** After the retries: the connection ended before the body did. */
  | 'ERR_BODY_CUT_SHORT';

export interface StacApiErrorDetails {
  url: string;
  method?: string;
  status?: number;
  /** `code` of the API's error body (stac-server: `BadRequest`, `NotFound`...). */
  apiCode?: string;
  /** `description` of the API's error body. */
  description?: string;
  cause?: unknown;
}

/** A request to the STAC API failed, or its answer cannot be used. Carries the url, status and body's words. */
export class StacApiError extends StacflowError {
  readonly url: string;
  readonly method?: string;
  readonly status?: number;
  readonly apiCode?: string;
  readonly description?: string;

  constructor(code: StacApiErrorCode, message: string, details: StacApiErrorDetails) {
    super(code, message, { cause: details.cause, errorClass: 'fatal' });
    this.url = details.url;
    this.method = details.method;
    this.status = details.status;
    this.apiCode = details.apiCode;
    this.description = details.description;
  }
}

/** The search asks for something the API does not declare in `conformsTo`. */
export class StacConformanceError extends StacflowError {
  /** The option that needs the class (`filter`), or `stac_search` for item search itself. */
  readonly parameter: string;
  /** The conformance class that is missing, e.g. `https://api.stacspec.org/v1.0.0/item-search#filter`. */
  readonly conformanceClass: string;

  constructor(parameter: string, conformanceClass: string, message: string) {
    super('ERR_STAC_NOT_CONFORMANT', message, { errorClass: 'fatal' });
    this.parameter = parameter;
    this.conformanceClass = conformanceClass;
  }
}

/**
 * A search filter names a property the API's queryables do not list, where that list is closed
 * (`additionalProperties: false`): the server would refuse the search, or match nothing. Run-fatal, before
 * any search; the message names the property, the option, the queryables read and the closest listed name.
 */
export class StacQueryableError extends StacflowError {
  /** The option holding the filter: `stac_search.filter`. */
  readonly parameter: string;
  /** The property name as the filter writes it. */
  readonly property: string;
  /** The queryables documents whose union was checked. */
  readonly queryablesHrefs: readonly string[];
  /** The closest listed name, when one is close enough to be a likely typo. */
  readonly suggestion?: string;

  constructor(details: { parameter: string; property: string; queryablesHrefs: readonly string[]; suggestion?: string }, message: string) {
    super('ERR_STAC_NOT_QUERYABLE', message, { errorClass: 'fatal' });
    this.parameter = details.parameter;
    this.property = details.property;
    this.queryablesHrefs = [...details.queryablesHrefs];
    this.suggestion = details.suggestion;
  }
}

/** A search parameter cannot be normalised (bad bbox, datetime...). The schema reports these at load time. */
export class StacParameterError extends StacflowError {
  readonly parameter: string;
  /** Where in the option's text the mistake is (a CQL2 text filter), 1-based. */
  readonly textAt?: { readonly line: number; readonly column: number };

  constructor(parameter: string, message: string, textAt?: { line: number; column: number }) {
    super('ERR_STAC_PARAMETER', `${parameter}: ${message}`, { errorClass: 'fatal' });
    this.parameter = parameter;
    if (textAt) this.textAt = textAt;
  }
}
