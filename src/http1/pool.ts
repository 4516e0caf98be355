import { Connection, isNothingReceived, serializeRequest, type ConnectionOptions, type Http1Request, type Http1Response, type Origin } from './connection.js';

/**
 * Keep-alive connections per origin (scheme, host, port), at most `maxConnectionsPerOrigin` open at once;
 * requests beyond wait in order. A request sent on a kept connection that the server had closed meanwhile
 * (it fails before any byte of an answer) is sent once more on a new connection, as browsers and undici do
 * for GET and HEAD.
 */

export interface PoolOptions extends ConnectionOptions {
  maxConnectionsPerOrigin: number;
  /** An unused connection is closed after this long. */
  keepAliveMs: number;
}

interface OriginState {
  open: Set<Connection>;
  idle: Connection[];
  waiting: Array<{ grant: (connection: Connection | undefined) => void }>;
}

export class Http1Pool {
  private readonly origins = new Map<string, OriginState>();
  private readonly idleTimers = new Map<Connection, NodeJS.Timeout>();

  constructor(private readonly options: PoolOptions) {}

  /** Sends `request` to `origin`; resolves with the answer's head and its body stream. */
  async request(origin: Origin, request: Http1Request, signal?: AbortSignal): Promise<Http1Response> {
    // A forged header or a bad path fails here, before it takes a connection.
    const serialized = serializeRequest(origin, request);
    for (let attempt = 1; ; attempt += 1) {
      if (signal?.aborted) throw abortError(signal);
      const connection = await this.acquire(origin, signal);
      const reused = connection.requests > 0;
      try {
        return await this.send(connection, request, serialized, signal);
      } catch (err) {
        if (attempt === 1 && reused && isNothingReceived(err) && !signal?.aborted) continue;
        throw err;
      }
    }
  }

  /** Closes every connection; answers being read fail. The pool can be used again afterwards. */
  close(): void {
    for (const state of this.origins.values()) for (const connection of [...state.open]) connection.destroy(Object.assign(new Error('the client was closed'), { code: 'ECONNRESET' }));
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
  }

  /** Connections open now, per origin key (`http://host:port`): for tests. */
  openConnections(): Record<string, number> {
    return Object.fromEntries([...this.origins].map(([key, state]) => [key, state.open.size]));
  }

  private send(connection: Connection, request: Http1Request, serialized: string, signal?: AbortSignal): Promise<Http1Response> {
    const onAbort = () => connection.destroy(abortError(signal as AbortSignal));
    signal?.addEventListener('abort', onAbort, { once: true });
    return connection.send(request, serialized, (reusable) => {
      signal?.removeEventListener('abort', onAbort);
      if (reusable) this.release(connection);
    });
  }

  private stateOf(origin: Origin): OriginState {
    const key = originKey(origin);
    let state = this.origins.get(key);
    if (!state) {
      state = { open: new Set(), idle: [], waiting: [] };
      this.origins.set(key, state);
    }
    return state;
  }

  private async acquire(origin: Origin, signal?: AbortSignal): Promise<Connection> {
    const state = this.stateOf(origin);
    for (;;) {
      const idle = state.idle.pop();
      if (idle) {
        this.unidle(idle);
        if (!idle.closed) return idle;
        continue;
      }
      if (state.open.size < this.options.maxConnectionsPerOrigin) return this.connect(origin, state);
      const granted = await new Promise<Connection | undefined>((resolve, reject) => {
        const waiter = {
          grant: (connection: Connection | undefined) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(connection);
          },
        };
        const onAbort = () => {
          state.waiting.splice(state.waiting.indexOf(waiter), 1);
          reject(abortError(signal as AbortSignal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        state.waiting.push(waiter);
      });
      // Handed a kept connection, or told that one closed (loop: a new one may be opened now).
      if (granted && !granted.closed) return granted;
    }
  }

  private connect(origin: Origin, state: OriginState): Connection {
    const connection = new Connection(origin, this.options, (closed) => {
      state.open.delete(closed);
      const at = state.idle.indexOf(closed);
      if (at >= 0) state.idle.splice(at, 1);
      this.unidle(closed);
      state.waiting.shift()?.grant(undefined);
    });
    state.open.add(connection);
    return connection;
  }

  private release(connection: Connection): void {
    const state = this.stateOf(connection.origin);
    if (connection.closed) return;
    const waiter = state.waiting.shift();
    if (waiter) {
      waiter.grant(connection);
      return;
    }
    state.idle.push(connection);
    connection.ref(false);
    const timer = setTimeout(() => connection.destroy(), this.options.keepAliveMs);
    timer.unref();
    this.idleTimers.set(connection, timer);
  }

  private unidle(connection: Connection): void {
    const timer = this.idleTimers.get(connection);
    if (timer) clearTimeout(timer);
    this.idleTimers.delete(connection);
    if (!connection.closed) connection.ref(true);
  }
}

const originKey = (origin: Origin): string => `${origin.protocol}//${origin.hostname}:${origin.port}`;

/** What an aborted request rejects with: an AbortError (the name the AWS SDK and got look for), the reason as cause. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return Object.assign(new Error(reason instanceof Error ? reason.message : 'the request was aborted', { cause: reason }), { name: 'AbortError' });
}
