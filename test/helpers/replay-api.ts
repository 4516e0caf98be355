import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';

/**
 * A STAC API on 127.0.0.1 that answers from recorded answers of a real one (test/fixtures/recorded/, cut from
 * pystac-client's vcrpy cassettes: see PROVENANCE.md there). A request is answered when a recording has the
 * same method, path, query and JSON body (compared as JSON, so key order and spacing do not matter); the
 * recorded body is sent with every href of the recorded origin rewritten to this server's. Anything not
 * recorded is answered 404 with `{"code":"NotRecorded"}`: the real server's answer is unknown, and a test
 * sees in `seen` what was asked.
 */

export interface Recording {
  readonly source: { readonly repo: string; readonly path: string; readonly commit: string };
  readonly interactions: ReadonlyArray<{
    readonly request: { readonly method: string; readonly uri: string; readonly body?: unknown };
    readonly response: { readonly status: number; readonly contentType?: string; readonly body: unknown };
  }>;
}

/** One request as the replay server saw it, and whether a recording answered it. */
export interface ReplayedRequest {
  readonly method: string;
  /** Path and query, as sent (`/v1/search`). */
  readonly path: string;
  readonly body?: unknown;
  readonly recorded: boolean;
}

export interface ReplayApi {
  /** This server's origin (`http://127.0.0.1:PORT`), which stands for the recorded one. */
  readonly origin: string;
  /** `path` (a recorded path such as `/v1`) on this server. */
  url(path: string): string;
  readonly seen: ReplayedRequest[];
  close(): Promise<void>;
}

/** Reads a recording from test/fixtures/recorded/. */
export function recording(name: string): Recording {
  return JSON.parse(readFileSync(new URL(`../fixtures/recorded/${name}`, import.meta.url), 'utf8')) as Recording;
}

export async function replayApi(recorded: Recording): Promise<ReplayApi> {
  const seen: ReplayedRequest[] = [];
  const recordedOrigin = new URL(recorded.interactions[0].request.uri).origin;
  let origin = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = raw === '' ? undefined : parseOrText(raw);
      const path = req.url ?? '/';
      const answer = recorded.interactions.find(({ request }) => {
        const uri = new URL(request.uri);
        return request.method === req.method && `${uri.pathname}${uri.search}` === path && isDeepStrictEqual(request.body, body);
      });
      seen.push({ method: req.method ?? 'GET', path, ...(body === undefined ? {} : { body }), recorded: answer !== undefined });
      if (!answer) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'NotRecorded', description: `no recorded answer to ${req.method} ${path}` }));
        return;
      }
      const text = JSON.stringify(answer.response.body).split(recordedOrigin).join(origin);
      res.writeHead(answer.response.status, { 'content-type': answer.response.contentType ?? 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections(); // keep-alive sockets of the run's got agent would hold close() open
      server.close(() => resolve());
    }),
  };
}

function parseOrText(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
