import { KAGUYA_TC_COLLECTIONS, startSandbox, type FaultKind, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { MAX_CONSECUTIVE_FAULTS, parseFaultKinds, RandomFaults } from '../../sandbox/random-faults.js';
import { rawGet } from './raw-get.js';

const SEED = 5;
const COLLECTIONS = KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 6 }));

async function withSandbox(options: SandboxOptions, body: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const sandbox = await startSandbox({ seed: SEED, collections: COLLECTIONS, ...options });
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

const onlyKind = (kind: FaultKind): SandboxOptions => ({ faultRate: 1, faultKinds: [kind], maxStallMs: 400 });
const firstId = (sandbox: Sandbox) => [...sandbox.catalog.entries()][0].id;
const objectUrl = (sandbox: Sandbox, key: string) => `${sandbox.s3Endpoint}/astrogeo-ard/${key.split('/').map(encodeURIComponent).join('/')}`;

describe('random faults: decided per request and attempt', () => {
  it('gives each attempt of a request the same fault whatever the order of requests, for the same seed', () => {
    const requests = ['GET /a', 'GET /b', 'POST /search', 'GET /c?x=1'];
    const run = (order: number[]) => {
      const faults = new RandomFaults(9, 0.5);
      const seen = new Map<string, string[]>();
      for (const k of order) {
        const [method, target] = requests[k].split(' ');
        const list = seen.get(requests[k]) ?? [];
        list.push(faults.draw(method, target)?.kind ?? 'ok');
        seen.set(requests[k], list);
      }
      return Object.fromEntries([...seen].sort());
    };
    const inOrder = run([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    expect(run([3, 2, 1, 0, 0, 1, 2, 3, 3, 0, 2, 1, 1, 3, 0, 2])).toEqual(inOrder);
    expect(Object.values(inOrder).flat()).toContain('ok');
    expect(Object.values(inOrder).flat().some((k) => k !== 'ok')).toBe(true);
  });

  it('tells apart requests by Range and body, and seeds', () => {
    const draws = (seed: number, range: string, body: string) => {
      const faults = new RandomFaults(seed, 0.5);
      return Array.from({ length: 64 }, (_, i) => faults.draw('GET', `/o${i}`, range, body)?.kind ?? 'ok').join();
    };
    expect(draws(1, '', '')).toBe(draws(1, '', ''));
    expect(draws(1, 'bytes=0-', '')).not.toBe(draws(1, '', ''));
    expect(draws(1, '', '{"next":"x"}')).not.toBe(draws(1, '', ''));
    expect(draws(2, '', '')).not.toBe(draws(1, '', ''));
  });

  it(`never faults more than ${MAX_CONSECUTIVE_FAULTS} attempts of a request in a row, even at rate 1`, () => {
    const faults = new RandomFaults(1, 1);
    const attempts = Array.from({ length: 9 }, () => (faults.draw('GET', '/x') ? 'F' : 'ok'));
    expect(attempts).toEqual(['F', 'F', 'F', 'ok', 'F', 'F', 'F', 'ok', 'F']);
  });

  it('faults about the rate of first attempts, with only the kinds asked, each of them', () => {
    const faults = new RandomFaults(3, 0.1, ['503', 'stall']);
    const kinds = Array.from({ length: 20_000 }, (_, i) => faults.draw('GET', `/item/${i}`)?.kind).filter((k) => k !== undefined);
    expect(kinds.length).toBeGreaterThan(1800);
    expect(kinds.length).toBeLessThan(2200);
    expect(new Set(kinds)).toEqual(new Set(['503', 'stall']));
  });

  it('reads --fault-kinds and refuses unknown kinds', () => {
    expect(parseFaultKinds('503,429, reset,truncate,stall')).toEqual(['503', '429', 'reset', 'truncate', 'stall']);
    expect(() => parseFaultKinds('503,timeout')).toThrow('unknown kind "timeout"');
    expect(() => parseFaultKinds('')).toThrow('expected a list');
    expect(() => new RandomFaults(1, 1.5)).toThrow('between 0 and 1');
  });

  it('refuses failureRate and faultRate together', async () => {
    await expect(startSandbox({ failureRate: 0.1, faultRate: 0.1, s3: { enabled: false } })).rejects.toThrow('not both');
  });
});

describe('random faults on the STAC API', () => {
  it('503: stac-server\'s body; then served again after 3 attempts in a row', async () => {
    await withSandbox(onlyKind('503'), async (sandbox) => {
      const replies = [];
      for (let i = 0; i < 4; i += 1) replies.push(await rawGet(`${sandbox.url}conformance`));
      expect(replies.map((r) => r.status)).toEqual([503, 503, 503, 200]);
      expect(JSON.parse(replies[0].body.toString())).toEqual({ code: 'ServiceUnavailable', description: 'Service Unavailable' });
      expect(sandbox.requests.map((r) => r.fault)).toEqual(['503', '503', '503', undefined]);
    });
  });

  it('429: Retry-After: 1 and stac-server\'s body', async () => {
    await withSandbox(onlyKind('429'), async (sandbox) => {
      const reply = await rawGet(`${sandbox.url}search?limit=1`);
      expect(reply.status).toBe(429);
      expect(reply.headers!['retry-after']).toBe('1');
      expect(JSON.parse(reply.body.toString())).toEqual({ code: 'TooManyRequests', description: 'Too Many Requests' });
    });
  });

  it('reset: the connection drops before any answer', async () => {
    await withSandbox(onlyKind('reset'), async (sandbox) => {
      const reply = await rawGet(sandbox.url);
      expect(reply).toMatchObject({ status: undefined, ended: 'cut' });
      expect(sandbox.requests[0]).toMatchObject({ fault: 'reset', status: 0 });
    });
  });

  it('truncate: a search page\'s head with its full Content-Length, part of the body, then the connection drops', async () => {
    await withSandbox(onlyKind('truncate'), async (sandbox) => {
      const cut = await rawGet(`${sandbox.url}search?limit=3`);
      for (let i = 0; i < 2; i += 1) await rawGet(`${sandbox.url}search?limit=3`);
      const whole = await rawGet(`${sandbox.url}search?limit=3`);
      expect(whole.ended).toBe('complete');
      expect(cut).toMatchObject({ status: 200, ended: 'cut' });
      expect(Number(cut.headers!['content-length'])).toBe(whole.body.length);
      expect(cut.body.length).toBeLessThan(whole.body.length);
      expect(whole.body.subarray(0, cut.body.length).equals(cut.body)).toBe(true);
      expect(sandbox.requests.map((r) => r.fault)).toEqual(['truncate', 'truncate', 'truncate', undefined]);
    });
  });

  it('stall: the head and part of the body, then nothing, the connection open until maxStallMs', async () => {
    await withSandbox(onlyKind('stall'), async (sandbox) => {
      const waiting = await rawGet(`${sandbox.url}collections`, { waitMs: 200 });
      expect(waiting).toMatchObject({ status: 200, ended: 'waiting' });
      expect(waiting.body.length).toBeLessThan(Number(waiting.headers!['content-length']));
      const dropped = await rawGet(`${sandbox.url}collections`, { waitMs: 3000 });
      expect(dropped).toMatchObject({ status: 200, ended: 'cut' });
      expect(dropped.ms).toBeGreaterThanOrEqual(350);
      expect(dropped.ms).toBeLessThan(2000);
    });
  });

  it('scripted rules: body cut after N bytes, stalled after N bytes, or no head at all', async () => {
    await withSandbox({
      faults: [
        { path: '/conformance', cutAfterBytes: 10 },
        { path: '/collections', stallAfterBytes: 5, stallMs: 100 },
        { path: '/queryables', stallHead: true },
      ],
      maxStallMs: 300,
    }, async (sandbox) => {
      const cut = await rawGet(`${sandbox.url}conformance`);
      expect(cut).toMatchObject({ status: 200, ended: 'cut' });
      expect(cut.body.toString()).toBe('{"conformsTo":['.slice(0, 10));
      const stalled = await rawGet(`${sandbox.url}collections`, { waitMs: 2000 });
      expect(stalled).toMatchObject({ status: 200, ended: 'cut' });
      expect(stalled.body.length).toBe(5);
      expect(stalled.ms).toBeLessThan(1000);
      const silent = await rawGet(`${sandbox.url}queryables`, { waitMs: 2000 });
      expect(silent).toMatchObject({ status: undefined, ended: 'cut' });
      expect(silent.ms).toBeGreaterThanOrEqual(250);
      expect((await rawGet(`${sandbox.url}conformance`)).ended).toBe('complete');
      expect(sandbox.requests.map((r) => r.fault)).toEqual(['truncate', 'stall', 'stall', undefined]);
    });
  });

  it('closing the sandbox ends its stalls at once', async () => {
    const sandbox = await startSandbox({ seed: SEED, collections: COLLECTIONS, faultRate: 1, faultKinds: ['stall'] });
    const reply = rawGet(`${sandbox.url}collections`, { waitMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await reply).ended).toBe('cut');
  });
});

describe('random faults on S3', () => {
  it('503 ServiceUnavailable and, for 429, 503 SlowDown, in S3\'s XML', async () => {
    await withSandbox(onlyKind('503'), async (sandbox) => {
      const reply = await rawGet(objectUrl(sandbox, sandbox.s3!.key(firstId(sandbox), 'caminfo_pvl')));
      expect(reply.status).toBe(503);
      expect(reply.body.toString()).toContain('<Code>ServiceUnavailable</Code>');
    });
    await withSandbox(onlyKind('429'), async (sandbox) => {
      const reply = await rawGet(objectUrl(sandbox, sandbox.s3!.key(firstId(sandbox), 'caminfo_pvl')));
      expect(reply.status).toBe(503);
      expect(reply.body.toString()).toContain('<Code>SlowDown</Code><Message>Please reduce your request rate.</Message>');
      expect(sandbox.s3!.requests[0].fault).toBe('429');
    });
  });

  it('reset, and truncate of a GET (a ranged one too) with the full Content-Length; a HEAD meeting truncate is reset', async () => {
    await withSandbox({ ...onlyKind('truncate'), s3: { imageBytes: 50_000 } }, async (sandbox) => {
      const id = firstId(sandbox);
      const url = objectUrl(sandbox, sandbox.s3!.key(id, 'image'));
      const image = Buffer.from(sandbox.s3!.image(id));
      const cut = await rawGet(url);
      expect(cut).toMatchObject({ status: 200, ended: 'cut' });
      expect(cut.headers!['content-length']).toBe('50000');
      expect(cut.body.equals(image.subarray(0, cut.body.length))).toBe(true);
      expect(cut.body.length).toBeLessThan(50_000);
      const ranged = await rawGet(url, { headers: { range: 'bytes=1000-' } });
      expect(ranged).toMatchObject({ status: 206, ended: 'cut' });
      expect(ranged.body.equals(image.subarray(1000, 1000 + ranged.body.length))).toBe(true);
      expect((await rawGet(url, { method: 'HEAD' })).ended).toBe('cut');
      expect(sandbox.s3!.requests.map((r) => r.fault)).toEqual(['truncate', 'truncate', 'reset']);
    });
    await withSandbox(onlyKind('reset'), async (sandbox) => {
      expect(await rawGet(objectUrl(sandbox, sandbox.s3!.key(firstId(sandbox), 'image')))).toMatchObject({ status: undefined, ended: 'cut' });
    });
  });

  it('stall: a GET gets its head and part of the body, a HEAD no head; both held until maxStallMs', async () => {
    await withSandbox(onlyKind('stall'), async (sandbox) => {
      const url = objectUrl(sandbox, sandbox.s3!.key(firstId(sandbox), 'image'));
      const get = await rawGet(url, { waitMs: 3000 });
      expect(get).toMatchObject({ status: 200, ended: 'cut' });
      expect(get.body.length).toBeLessThan(sandbox.s3!.imageBytes);
      expect(get.ms).toBeGreaterThanOrEqual(350);
      const head = await rawGet(url, { method: 'HEAD', waitMs: 200 });
      expect(head).toMatchObject({ status: undefined, ended: 'waiting' });
    });
  });

  it('scripted: one object that never answers (stallHead), another whose body stalls after N bytes', async () => {
    const options: SandboxOptions = { maxStallMs: 60_000 };
    await withSandbox(options, async (sandbox) => {
      const [a, b] = [...sandbox.catalog.entries()].map((e) => e.id);
      sandbox.s3!.addFault({ match: `${a}/caminfo_pvl`, stallHead: true, times: Infinity });
      sandbox.s3!.addFault({ match: `${b}/image`, stallAfterBytes: 1000, stallMs: 200, times: 1 });
      const silent = await rawGet(objectUrl(sandbox, sandbox.s3!.key(a, 'caminfo_pvl')), { waitMs: 300 });
      expect(silent).toMatchObject({ status: undefined, ended: 'waiting' });
      expect((await rawGet(objectUrl(sandbox, sandbox.s3!.key(a, 'caminfo_pvl')), { method: 'HEAD', waitMs: 300 })).ended).toBe('waiting');
      expect((await rawGet(objectUrl(sandbox, sandbox.s3!.key(a, 'image')))).ended).toBe('complete');
      const stalled = await rawGet(objectUrl(sandbox, sandbox.s3!.key(b, 'image')), { waitMs: 3000 });
      expect(stalled).toMatchObject({ status: 200, ended: 'cut' });
      expect(stalled.body.length).toBe(1000);
      expect(stalled.ms).toBeLessThan(1500);
      expect((await rawGet(objectUrl(sandbox, sandbox.s3!.key(b, 'image')))).ended).toBe('complete');
      expect(() => sandbox.s3!.addFault({ match: a, stallHead: true, status: 503 })).toThrow('one of');
    });
  });

  it('adds latencyMs before every answer', async () => {
    await withSandbox({ s3: { latencyMs: 150 } }, async (sandbox) => {
      const reply = await rawGet(objectUrl(sandbox, sandbox.s3!.key(firstId(sandbox), 'caminfo_pvl')));
      expect(reply.ended).toBe('complete');
      expect(reply.ms).toBeGreaterThanOrEqual(140);
    });
  });

  it('meets the same faults in two sandboxes with the same seed (API and S3)', async () => {
    const run = async (seed: number) => {
      const sandbox = await startSandbox({ seed, collections: COLLECTIONS, faultRate: 0.3, maxStallMs: 100 });
      try {
        const ids = [...sandbox.catalog.entries()].map((e) => e.id);
        for (const id of ids) {
          for (let attempt = 0; attempt < 2; attempt += 1) {
            await rawGet(objectUrl(sandbox, sandbox.s3!.key(id, 'caminfo_pvl')), { waitMs: 1000 });
            await rawGet(`${sandbox.url}collections/${[...sandbox.catalog.entries()].find((e) => e.id === id)!.collection}/items/${id}`, { waitMs: 1000 });
          }
        }
        return { api: sandbox.requests.map((r) => r.fault ?? '-').join(), s3: sandbox.s3!.requests.map((r) => r.fault ?? '-').join() };
      } finally {
        await sandbox.close();
      }
    };
    const first = await run(SEED);
    expect(first.api).toMatch(/503|429|reset|truncate|stall/);
    expect(first.s3).toMatch(/503|429|reset|truncate|stall/);
    expect(await run(SEED)).toEqual(first);
    expect(await run(SEED + 1)).not.toEqual(first);
  }, 60_000);
});
