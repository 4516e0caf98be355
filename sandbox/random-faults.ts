import { hash32 } from './random.js';

/**
 * The kinds of fault the sandbox injects at random (`--fault-kinds`), on the STAC API and on S3 alike:
 * - `503`: Service Unavailable with the server's error body (stac-server's JSON, S3's XML);
 * - `429`: Too Many Requests with `Retry-After: 1` (S3 has no 429: `503 SlowDown`, as S3 throttles);
 * - `reset`: the connection is destroyed before any answer;
 * - `truncate`: the head goes out with the full Content-Length, then part of the body, then the socket is destroyed;
 * - `stall`: the head and part of the body go out, then nothing, the socket held open until the client gives up
 *   (or the sandbox's longest stall passes, or it closes). A HEAD (no body) stalls before its head.
 */
export const FAULT_KINDS = ['503', '429', 'reset', 'truncate', 'stall'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** At most this many attempts in a row of one request meet a fault: the next one is served, so retries win. */
export const MAX_CONSECUTIVE_FAULTS = 3;

/** What one request meets: a kind, and for truncate/stall where in the body (a share of it, in [0, 1)). */
export interface DrawnFault {
  kind: FaultKind;
  /** Share of the body sent before the cut or the stall. */
  at: number;
}

/**
 * Random faults decided per request and attempt, so that a run is reproducible whatever the order and
 * concurrency of its requests: the n-th attempt of a request (same method, target, Range and body) meets
 * the same fault in every run with the same seed. At most MAX_CONSECUTIVE_FAULTS attempts in a row fail.
 */
export class RandomFaults {
  /**
   * Per request (a 53-bit hash of it: a long run makes millions of requests), attempts seen × 4 + how many of
   * the last ones in a row were faulted (0 to MAX_CONSECUTIVE_FAULTS).
   */
  private readonly history = new Map<number, number>();
  readonly kinds: readonly FaultKind[];

  constructor(private readonly seed: number, readonly rate: number, kinds: readonly FaultKind[] = FAULT_KINDS) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`sandbox: fault rate must be between 0 and 1, got ${rate}`);
    if (kinds.length === 0) throw new RangeError('sandbox: fault kinds must name at least one kind');
    for (const kind of kinds) {
      if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new RangeError(`sandbox: unknown fault kind ${JSON.stringify(kind)}: expected ${FAULT_KINDS.join(', ')}`);
    }
    this.kinds = [...new Set(kinds)];
  }

  /** The fault this attempt of the request meets, if any (and counts the attempt). */
  draw(method: string, target: string, range = '', body = ''): DrawnFault | undefined {
    if (this.rate === 0) return undefined;
    const text = `${method} ${target}\n${range}\n${body}`;
    const k = stringHash(text, 0x811c9dc5);
    const key = k * 2 ** 21 + (stringHash(text, 0x01234567) & 0x1fffff);
    const seen = this.history.get(key) ?? 0;
    const attempt = Math.floor(seen / 4);
    const streak = seen % 4;
    const hit = hash32(this.seed, k, attempt, 0xfa17) / 2 ** 32 < this.rate;
    if (!hit || streak >= MAX_CONSECUTIVE_FAULTS) {
      this.history.set(key, (attempt + 1) * 4);
      return undefined;
    }
    this.history.set(key, (attempt + 1) * 4 + streak + 1);
    const kind = this.kinds[hash32(this.seed, k, attempt, 0x6b1d) % this.kinds.length];
    return { kind, at: hash32(this.seed, k, attempt, 0xc07) / 2 ** 32 };
  }
}

/** `503,429,reset` → kinds; throws on an unknown or empty list. */
export function parseFaultKinds(text: string): FaultKind[] {
  const kinds = text.split(',').map((k) => k.trim()).filter(Boolean);
  if (kinds.length === 0) throw new RangeError(`fault kinds: expected a list of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(text)}`);
  for (const kind of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new RangeError(`fault kinds: unknown kind ${JSON.stringify(kind)}: expected some of ${FAULT_KINDS.join(', ')}`);
  }
  return kinds as FaultKind[];
}

/** FNV-1a over the UTF-16 code units (from `basis`): a string to 32 bits. */
function stringHash(text: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
