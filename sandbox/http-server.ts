import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SandboxApiError } from './api-error.js';
import { route, type ApiContext, type ApiResponse } from './api-routes.js';
import { stallBody, stallHead, truncateBody, type StallKeeper } from './body-faults.js';
import { errorBody, type FaultBook, type FaultRule, type MetFault } from './faults.js';
import type { RequestLogEntry } from './request-log.js';
import { wakeableSleeps } from './wakeable-sleeps.js';

export interface ServerSettings {
  host: string;
  port: number;
  latencyMs: number;
  faults: FaultBook;
  /** Holds the sockets of stalled answers (shared with the S3 front; released on close). */
  stalls: StallKeeper;
  log: RequestLogEntry[];
  context: Omit<ApiContext, 'endpoint'>;
  /** Build links as `<root>/` + `/collections` (`api//collections`), as the USGS deployment does. */
  doubleSlashLinks: boolean;
  /**
   * `POST /_sandbox/changes` (the sandbox's control route, not stac-server's): changes the catalog with the
   * JSON body and answers what changed. Never meets faults or latency: it drives the test, it is not under it.
   */
  changeCatalog?: (body: unknown) => Promise<unknown>;
}

/** The control route's path. */
export const CHANGES_PATH = '/_sandbox/changes';

export interface RunningServer {
  /** API root, ending with '/'. */
  url: string;
  close(): Promise<void>;
}

/** The node:http plumbing around the routes: request log, faults, latency, body parsing, streaming. */
export async function startServer(settings: ServerSettings): Promise<RunningServer> {
  const { sleep, wakeAll } = wakeableSleeps();
  let context: ApiContext | undefined;
  const server = http.createServer((req, res) => {
    handle(req, res, settings, context as ApiContext, sleep).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'application/json', { code: 'InternalServerError', description: String(err) }, req.method === 'HEAD');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${host}:${port}/`;
  context = { ...settings.context, endpoint: settings.doubleSlashLinks ? url : url.slice(0, -1) };
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      wakeAll();
      settings.stalls.releaseAll();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(
  req: http.IncomingMessage, res: http.ServerResponse, settings: ServerSettings, context: ApiContext, sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  // Not `new URL(req.url, base)`: it would read `//search` (from doubled-slash links) as a host name.
  const target = req.url ?? '/';
  const mark = target.indexOf('?');
  const path = (mark < 0 ? target : target.slice(0, mark)).replace(/\/{2,}/g, '/');
  const search = new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1));
  const entry: RequestLogEntry = { method, path, query: Object.fromEntries(search), status: 0, url: target };
  settings.log.push(entry);
  const raw = await readBody(req);
  const parsed = raw === '' ? undefined : parseJson(raw);
  if (raw !== '') entry.body = parsed instanceof Error ? raw : parsed;
  if (path === CHANGES_PATH && method === 'POST' && settings.changeCatalog) {
    const change = await settings.changeCatalog(parsed ?? {}).then((body) => ({ status: 200, body }), (err: unknown) => ({
      status: 400, body: { code: 'BadRequest', description: err instanceof Error ? err.message : String(err) },
    }));
    entry.status = change.status;
    send(res, change.status, 'application/json', change.body, false);
    return;
  }

  const met = settings.faults.meet(method, path, target, raw);
  const rule = met?.rule;
  const delay = settings.latencyMs + (rule?.delayMs ?? 0);
  if (delay > 0) await sleep(delay);
  if (res.destroyed) return;
  const head = method === 'HEAD';
  const fault = met && apiFault(met, head);
  if (fault) entry.fault = fault.kind;
  if (fault?.kind === 'reset') {
    req.socket.destroy();
    return;
  }
  if (fault?.stall === 'head') {
    stallHead(res, settings.stalls, rule?.stallMs);
    return;
  }
  const response = fault?.status !== undefined ? faultResponse(fault.status, rule) : answer(context, method, path, search, req, parsed);
  entry.status = response.status;
  if (fault?.retryAfter !== undefined) res.setHeader('retry-after', fault.retryAfter);
  if (fault?.cut !== undefined || fault?.stall !== undefined) {
    // Whole, so the head carries the full Content-Length before the body is cut or stalled.
    if (fault.cut !== undefined) truncateBody(res, fault.cut);
    else stallBody(res, fault.stall as number | ((length?: number) => number), settings.stalls, rule?.stallMs);
    send(res, response.status, response.contentType, isChunks(response.body) ? [...response.body].join('') : response.body, head, isChunks(response.body));
    return;
  }
  await write(res, response, head);
}

/** A scripted rule or a random fault, as what the answer does: its log name, a status, a cut or a stall. */
interface ApiFault {
  kind: string;
  status?: number;
  retryAfter?: string;
  cut?: number | ((length?: number) => number);
  stall?: 'head' | number | ((length?: number) => number);
}

function apiFault(met: MetFault, head: boolean): ApiFault | undefined {
  if (met.rule) {
    const rule = met.rule;
    if (rule.reset) return { kind: 'reset' };
    if (rule.status !== undefined) return { kind: String(rule.status), status: rule.status, retryAfter: rule.retryAfter };
    if (rule.cutAfterBytes !== undefined) return head ? { kind: 'reset' } : { kind: 'truncate', cut: rule.cutAfterBytes };
    if (rule.stallHead || (head && rule.stallAfterBytes !== undefined)) return { kind: 'stall', stall: 'head' };
    if (rule.stallAfterBytes !== undefined) return { kind: 'stall', stall: rule.stallAfterBytes };
    return undefined; // a delay only
  }
  const { kind, at } = met.drawn;
  const share = (length = 0) => Math.floor(at * length);
  switch (kind) {
    case '503': return { kind, status: 503 };
    case '429': return { kind, status: 429, retryAfter: '1' };
    case 'reset': return { kind };
    // A HEAD has no body to cut or stall: its connection drops, or its head never comes.
    case 'truncate': return head ? { kind: 'reset' } : { kind, cut: share };
    case 'stall': return { kind, stall: head ? 'head' : share };
  }
}

function answer(context: ApiContext, method: string, path: string, search: URLSearchParams, req: http.IncomingMessage, parsed: unknown): ApiResponse {
  try {
    // Like stac-server's express.json(): only a JSON content type is read; any other body counts as empty.
    const isJson = /json/i.test(req.headers['content-type'] ?? '');
    if (method === 'POST' && isJson && parsed instanceof Error) throw new SandboxApiError(400, 'BadRequest', parsed.message);
    const body = method === 'POST' && isJson && parsed !== undefined ? parsed : {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SandboxApiError(400, 'BadRequest', 'Request body must be a JSON object');
    return route(context, { method, segments: path.split('/').filter(Boolean).map(decodeSegment), query: [...search], body: body as Record<string, unknown> });
  } catch (err) {
    if (err instanceof SandboxApiError) return { status: err.status, contentType: 'application/json', body: err.body };
    throw err;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function faultResponse(status: number, rule: FaultRule | undefined): ApiResponse {
  if (typeof rule?.body === 'string') return { status, contentType: 'application/json', body: [rule.body] };
  return { status, contentType: 'application/json', body: (rule?.body ?? errorBody(status)) as Record<string, unknown> };
}

async function write(res: http.ServerResponse, response: ApiResponse, head: boolean): Promise<void> {
  const { status, contentType, body } = response;
  if (isChunks(body)) {
    res.writeHead(status, { 'content-type': `${contentType}; charset=utf-8` });
    if (head) {
      res.end();
      return;
    }
    await pipeline(Readable.from(body), res).catch(() => res.destroy());
    return;
  }
  send(res, status, contentType, body, head);
}

function send(res: http.ServerResponse, status: number, contentType: string, body: unknown, head: boolean, raw = false): void {
  const text = raw ? body as string : JSON.stringify(body);
  res.writeHead(status, { 'content-type': `${contentType}; charset=utf-8`, 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

const isChunks = (body: unknown): body is Iterable<string> =>
  typeof body === 'object' && body !== null && typeof (body as Iterable<string>)[Symbol.iterator] === 'function';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
