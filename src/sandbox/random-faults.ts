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
  /** Per request: attempts seen, and how many of the last ones in a row were faulted. */
  private readonly history = new Map<string, { attempts: number; streak: number }>();
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
    const key = `${method} ${target}\n${range}\n${body}`;
    let seen = this.history.get(key);
    if (!seen) {
      seen = { attempts: 0, streak: 0 };
      this.history.set(key, seen);
    }
    const attempt = seen.attempts;
    seen.attempts += 1;
    const k = stringHash(key);
    const hit = hash32(this.seed, k, attempt, 0xfa17) / 2 ** 32 < this.rate;
    if (!hit || seen.streak >= MAX_CONSECUTIVE_FAULTS) {
      seen.streak = 0;
      return undefined;
    }
    seen.streak += 1;
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

/** FNV-1a over the UTF-16 code units: a string to 32 bits for hash32. */
function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
