import type { SandboxCatalog } from '../catalog.js';
import type { ServedAsset } from './objects.js';

/**
 * A scripted failure of the sandbox S3: reads of the matching objects answer `status` (with S3's XML error),
 * `times` times (default: always). `match` is an item id (its caminfo_pvl and image), `<id>/<asset>` (one
 * of them), or an object key (any object, served or not).
 *
 * With `cutAfterBytes` instead of `status`, a GET is answered as usual (200 or 206, the full Content-Length)
 * but the body stops after that many bytes and the connection is destroyed: a download killed mid-way.
 * With `stallAfterBytes`, the body stops there and nothing more comes, the connection held open (for
 * `stallMs`, at most the sandbox's `maxStallMs`). HEADs do not use up such rules. With `stallHead`, a GET or
 * HEAD gets no answer at all, the connection held open: an object that never answers.
 */
export interface S3FaultRule {
  match: string;
  /** Required unless `cutAfterBytes`, `stallAfterBytes` or `stallHead` is given. */
  status?: number;
  /** Send the headers, then only this many body bytes, then destroy the socket (GET only). */
  cutAfterBytes?: number;
  /** Send the headers, then only this many body bytes, then nothing, the socket left open (GET only). */
  stallAfterBytes?: number;
  /** Send nothing, not even the headers (GET and HEAD), the socket left open. */
  stallHead?: boolean;
  /** How long a stall holds the socket before destroying it; default and cap: the sandbox's `maxStallMs`. */
  stallMs?: number;
  /** S3 error code; default after the status (403 AccessDenied, 404 NoSuchKey, 503 SlowDown, 500 InternalError). */
  code?: string;
  times?: number;
  /** Sent as Retry-After. */
  retryAfter?: string;
}

/**
 * Which objects are missing (NoSuchKey), forbidden (AccessDenied) or scripted to fail. Entries name an
 * item id (both its objects) or `<id>/<asset>` (`TC1S2B0_01_00006S023E0112/image`).
 */
export class ObjectRules {
  private readonly missing: ReadonlySet<string>;
  private readonly forbidden: ReadonlySet<string>;
  private readonly faults: Array<S3FaultRule & { left: number }> = [];

  constructor(options: { missing?: readonly string[]; forbidden?: readonly string[]; faults?: readonly S3FaultRule[] } = {}) {
    this.missing = new Set(options.missing ?? []);
    this.forbidden = new Set(options.forbidden ?? []);
    for (const rule of options.faults ?? []) this.addFault(rule);
  }

  addFault(rule: S3FaultRule): void {
    const kinds = [rule.status !== undefined, rule.cutAfterBytes !== undefined, rule.stallAfterBytes !== undefined, rule.stallHead === true];
    if (kinds.filter(Boolean).length > 1) throw new RangeError('sandbox S3 fault: give one of status, cutAfterBytes, stallAfterBytes, stallHead');
    for (const key of ['cutAfterBytes', 'stallAfterBytes'] as const) {
      const bytes = rule[key];
      if (bytes !== undefined && !(Number.isSafeInteger(bytes) && bytes >= 0)) throw new RangeError(`sandbox S3 fault: ${key} must be a whole number >= 0, got ${bytes}`);
    }
    if (!kinds.some(Boolean) || (rule.status !== undefined && !(rule.status >= 300 && rule.status <= 599))) {
      throw new RangeError(`sandbox S3 fault: status must be 300-599, got ${rule.status}`);
    }
    this.faults.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY });
  }

  isMissing(catalog: SandboxCatalog, g: number, asset: ServedAsset): boolean {
    return named(this.missing, catalog.id(g), asset);
  }

  isForbidden(catalog: SandboxCatalog, g: number, asset: ServedAsset): boolean {
    return named(this.forbidden, catalog.id(g), asset);
  }

  /**
   * The first fault with reads left that matches this object (and uses one read), or undefined. Cut-body
   * and stalled-body rules only match GETs (`method`), since a HEAD has no body to cut.
   */
  fault(catalog: SandboxCatalog, key: string, served: { g: number; asset: ServedAsset } | undefined, method = 'GET'): S3FaultRule | undefined {
    const id = served ? catalog.id(served.g) : undefined;
    const bodyOnly = (f: S3FaultRule) => f.cutAfterBytes !== undefined || f.stallAfterBytes !== undefined;
    const rule = this.faults.find((f) => f.left > 0 && (!bodyOnly(f) || method === 'GET')
      && (f.match === key || (id !== undefined && (f.match === id || f.match === `${id}/${served?.asset}`))));
    if (rule) rule.left -= 1;
    return rule;
  }
}

const named = (set: ReadonlySet<string>, id: string, asset: ServedAsset): boolean => set.has(id) || set.has(`${id}/${asset}`);
