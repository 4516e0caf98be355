/**
 * A loopback front for the sandbox S3 that sees a multipart download from the server's side: it forwards
 * every request to the sandbox S3 as it is, and for the ranged GETs of one object it counts, per part, the
 * requests received (a retry resuming a part mid-way counts for that part) and the bodies sent to their end (`finish`: the last byte handed to the socket). A part
 * can be held back: its request is counted and then left unanswered, the socket open, until the client goes.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PartCountingFront {
  /** `http://127.0.0.1:PORT`: the pipeline's `s3.endpoint`. */
  endpoint: string;
  /** Ranged GETs received, by part index. */
  requested: Map<number, number>;
  /** Ranged GETs whose whole 206 body was sent, by part index. */
  sent: Map<number, number>;
  /** Parts whose requests are left unanswered from now on (the others are forwarded). */
  holdBack: Set<number>;
  /** Resolves once `sent` holds every part of `parts` (checked at each body sent). */
  whenSent(parts: readonly number[]): Promise<void>;
  close(): Promise<void>;
}

/** Forwards to `upstream` (the sandbox's `s3Endpoint`); counts the ranged GETs of `key` in parts of `partSize`. */
export async function startPartCountingFront(upstream: string, key: string, partSize: number): Promise<PartCountingFront> {
  const target = new URL(upstream);
  const requested = new Map<number, number>();
  const sent = new Map<number, number>();
  const holdBack = new Set<number>();
  const waiters: Array<{ parts: readonly number[]; resolve: () => void }> = [];
  const held = new Set<ServerResponse>();
  const add = (counts: Map<number, number>, part: number) => counts.set(part, (counts.get(part) ?? 0) + 1);
  const wake = () => {
    for (const waiter of [...waiters]) {
      if (waiter.parts.every((p) => sent.has(p))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const range = /^bytes=(\d+)-/.exec(req.headers.range ?? '');
    const part = req.method === 'GET' && range && decodeURIComponent(req.url ?? '').split('?')[0].endsWith(`/${key}`) ? Math.floor(Number(range[1]) / partSize) : undefined;
    if (part !== undefined) {
      add(requested, part);
      if (holdBack.has(part)) {
        held.add(res);
        res.once('close', () => held.delete(res));
        return;
      }
    }
    const forwarded = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      if (part !== undefined && answer.statusCode === 206) {
        res.once('finish', () => {
          add(sent, part);
          wake();
        });
      }
    });
    forwarded.once('error', () => res.destroy());
    req.pipe(forwarded);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requested,
    sent,
    holdBack,
    whenSent: (parts) => new Promise<void>((resolve) => {
      waiters.push({ parts, resolve });
      wake();
    }),
    close: () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
