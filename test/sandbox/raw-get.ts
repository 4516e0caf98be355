import http from 'node:http';

/** What a raw GET saw: the head, the body bytes received, and how the answer ended. */
export interface RawReply {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body: Buffer;
  /** complete: the whole body; cut: the connection dropped (before or during the answer); waiting: still open at `waitMs`. */
  ended: 'complete' | 'cut' | 'waiting';
  ms: number;
}

/**
 * A GET (or HEAD) over a fresh connection, no retry, that reports what arrived within `waitMs` (not fetch:
 * it hides a body cut short behind an exception and cannot tell a stall from a slow answer).
 */
export function rawGet(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; waitMs?: number } = {}): Promise<RawReply> {
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reply: Omit<RawReply, 'body' | 'ended' | 'ms'> = { status: undefined, headers: undefined };
    let settled = false;
    const finish = (ended: RawReply['ended']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve({ ...reply, body: Buffer.concat(chunks), ended, ms: Date.now() - started });
    };
    const request = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (response) => {
      reply = { status: response.statusCode, headers: response.headers };
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => finish(response.complete ? 'complete' : 'cut'));
      response.on('aborted', () => finish('cut'));
      response.on('error', () => finish('cut'));
      response.on('close', () => finish(response.complete ? 'complete' : 'cut'));
    });
    request.on('error', () => finish('cut'));
    const timer = setTimeout(() => finish('waiting'), options.waitMs ?? 5000);
    request.end(options.body);
  });
}
