/** One request the sandbox received, for tests to assert on (what the client sent, what it got). */
export interface RequestLogEntry {
  method: string;
  /** Path with repeated slashes collapsed (`//search` is logged as `/search`). */
  path: string;
  /** Query parameters (the last value of a repeated one). */
  query: Record<string, string>;
  /** The POST body as parsed JSON (the raw text when it was not JSON); undefined without a body. */
  body?: unknown;
  /** Status answered; 0 while in progress or when the connection was reset by a fault. */
  status: number;
  /** Path and query string as requested. */
  url: string;
  /**
   * The fault met, when one was: `503`, `429`, `reset`, `truncate`, `stall` (random or scripted), or the
   * status of a scripted rule (`500`). Absent for a request served normally (a scripted delay included).
   */
  fault?: string;
}
