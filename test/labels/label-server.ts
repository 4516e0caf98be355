import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the label server saw it. */
export interface LabelRequest {
  path: string;
  ifNoneMatch?: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
}

export interface LabelServer {
  /** Base URL, ends with '/'. */
  url: string;
  requests: LabelRequest[];
  /** Serve `body` at `path` (leading '/'), with an ETag derived from the body unless `etag: null`. */
  put(path: string, body: string | Buffer, options?: { etag?: string | null }): void;
  /** Answer `path` with this status (and a short text body) instead. */
  fail(path: string, status: number): void;
  /** Most requests in flight at once so far. */
  maxInFlight(): number;
  close(): Promise<void>;
}

/**
 * A tiny HTTP server on 127.0.0.1 holding labels, for hrefs that are not S3: ETags and If-None-Match (304),
 * scripted error statuses, a request log, and (with `holdUntil`) answers held back until that many requests
 * are in flight at once, so a concurrency cap can be seen reached and never exceeded without timing anything.
 */
export async function startLabelServer(options: { holdUntil?: (inFlight: number, answered: number) => boolean } = {}): Promise<LabelServer> {
  const files = new Map<string, { body: Buffer; etag: string | null }>();
  const failures = new Map<string, number>();
  const requests: LabelRequest[] = [];
  let inFlight = 0;
  let max = 0;
  let answered = 0;
  const held: Array<() => void> = [];

  const releaseIfReady = (): void => {
    if (!options.holdUntil || options.holdUntil(inFlight, answered)) for (const go of held.splice(0)) go();
  };

  const server = http.createServer((req, res) => {
    inFlight += 1;
    max = Math.max(max, inFlight);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const ifNoneMatch = req.headers['if-none-match'];
    const answer = (): void => {
      const record = (status: number, bytes: number): void => {
        requests.push({ path, status, bytes, ...(ifNoneMatch ? { ifNoneMatch } : {}) });
      };
      const failure = failures.get(path);
      const file = files.get(path);
      res.on('finish', () => {
        inFlight -= 1;
        answered += 1;
        releaseIfReady();
      });
      if (failure !== undefined || !file) {
        const status = failure ?? 404;
        record(status, 0);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`status ${status}`);
      } else if (file.etag !== null && ifNoneMatch === file.etag) {
        record(304, 0);
        res.writeHead(304, { etag: file.etag }).end();
      } else {
        record(200, file.body.length);
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': file.body.length, ...(file.etag !== null ? { etag: file.etag } : {}) }).end(file.body);
      }
    };
    held.push(answer);
    releaseIfReady();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    put(path, body, opts = {}) {
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
      const etag = opts.etag === undefined ? `"${createHash('md5').update(bytes).digest('hex')}"` : opts.etag;
      files.set(path, { body: bytes, etag });
      failures.delete(path);
    },
    fail(path, status) {
      failures.set(path, status);
    },
    maxInFlight: () => max,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
