import { createHttpClient } from '../src/http/client.js';
import { peakRssMb } from './child.js';

/**
 * The reference: the same search paged by hand with the same HTTP client — POST /search, follow each next
 * link's body, count features, nothing else. What a pipeline cannot beat.
 */
const { url, collection, limit } = JSON.parse(process.argv[2]!) as { url: string; collection: string; limit: number };
const http = createHttpClient();
const started = performance.now();
let items = 0;
let body: Record<string, unknown> | undefined = { collections: [collection], limit };
let href = new URL('search', url).href;
while (body) {
  const page: { features: unknown[]; links?: Array<{ rel: string; href: string; body?: Record<string, unknown> }> } = await http
    .post(href, { json: body })
    .json();
  items += page.features.length;
  const next = page.features.length > 0 ? page.links?.find((l) => l.rel === 'next') : undefined;
  body = next?.body;
  href = next?.href ?? href;
}
process.stdout.write(`${JSON.stringify({ items, seconds: (performance.now() - started) / 1000, peakRssMb: peakRssMb() })}\n`);
process.exit(0);
