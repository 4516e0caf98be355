/** Small fetch helpers for the sandbox tests (real HTTP on 127.0.0.1). */

export interface Link {
  rel: string;
  href: string;
  method?: string;
  type?: string;
  merge?: boolean;
  body?: Record<string, unknown>;
  title?: string;
}

export interface Page {
  type: string;
  numberMatched: number;
  numberReturned: number;
  features: Array<{ id: string; collection: string; properties: Record<string, unknown>; bbox: number[]; [k: string]: unknown }>;
  links: Link[];
}

export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<Reply<T>> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

export async function postJson<T = Record<string, unknown>>(url: string, body: unknown): Promise<Reply<T>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** Follows next links (GET hrefs, or POST bodies) until a page has none; returns every page. */
export async function allPages(first: Reply<Page>, maxPages = 1000): Promise<Page[]> {
  const pages = [first.body];
  let page = first.body;
  for (let n = 0; n < maxPages; n += 1) {
    const next = page.links.find((l) => l.rel === 'next');
    if (!next) return pages;
    const reply = next.method === 'POST' ? await postJson<Page>(next.href, next.body) : await getJson<Page>(next.href);
    expect(reply.status).toBe(200);
    page = reply.body;
    pages.push(page);
  }
  throw new Error(`more than ${maxPages} pages`);
}

export const idsOf = (pages: Page[]): string[] => pages.flatMap((p) => p.features.map((f) => f.id));
export const keysOf = (pages: Page[]): string[] => pages.flatMap((p) => p.features.map((f) => `${f.collection}/${f.id}`));
