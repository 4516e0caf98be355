import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from '../cli/run-bin.js';
import { haveChromium, launchChromium, type Chromium } from './chromium.js';

// The page of a real run (the tutorial's pipeline through the bin, against the sandbox, two labels missing)
// opened in a real headless Chromium: it renders, draws one footprint an item, logs nothing, fetches nothing.
// Skipped only where Debian's chromium is absent and this is not CI; in CI it must run (.ci/run installs it).
const describeChromium = haveChromium() || process.env.CI ? describe : describe.skip;
if (!haveChromium() && !process.env.CI) console.warn('test/report-html/browser.test.ts skipped: chromium is not installed (apt-get install chromium); in CI it runs');

const SEED = 5;
const PER_COLLECTION = 300;
const catalog = new SandboxCatalog(SEED, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: PER_COLLECTION })));
const found = KAGUYA_TC_COLLECTIONS.flatMap((c) => catalog.search({ collections: [c], bbox: [3, 4, 5, 6] }).slice(0, 200));
const missing = [found[1].id, found[found.length - 2].id];

describeChromium('report.html in headless Chromium', () => {
  let sandbox: Sandbox;
  let browser: Chromium;
  let out: string;
  let report: { items: { total: number; failed: number; written: number }; failures: Array<{ item: string; href: string }>; stages: Array<{ label: string }> };
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: SEED, itemsPerCollection: PER_COLLECTION, s3: { missing } });
    out = await mkdtemp(path.join(tmpdir(), 'stacflow-report-html-'));
    const result = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml'], { env: { STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint, OUT_DIR: out, DATA_DIR: path.join(out, 'data') } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(path.join(out, 'kaguya-tc.report.html')); // in the summary
    report = JSON.parse(await readFile(path.join(out, 'kaguya-tc.report.json'), 'utf8'));
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  test('renders the run: one footprint an item in three colours, histograms, stages, failures; no console message, no request', async () => {
    const page = await browser.context.newPage();
    const messages: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
    page.on('request', (request) => requests.push(request.url()));
    const url = pathToFileURL(path.join(out, 'kaguya-tc.report.html')).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(report.items).toEqual({ total: found.length, failed: 2, written: expect.any(Number) });
    expect(await page.locator('#map path.fp').count()).toBe(found.length);
    expect(await page.locator('#map .o-failed path.fp').count()).toBe(2);
    const kept = await page.locator('#map .o-kept path.fp').count();
    const filtered = await page.locator('#map .o-filtered path.fp').count();
    expect(kept + filtered).toBe(found.length - 2);
    expect(kept).toBe(report.items.written - 2); // failed items are written too (the CSV says what failed)
    expect(filtered).toBeGreaterThan(0);
    // Drawn, with a size on screen, in the colours of the legend.
    const box = await page.locator('#map').boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    // A string: evaluated in the page (this project's types have no DOM).
    const fills = (await page.evaluate("['kept', 'filtered', 'failed'].map((o) => getComputedStyle(document.querySelector('#map .o-' + o + ' path.fp')).fill)")) as string[];
    expect(new Set(fills).size).toBe(3);

    expect(await page.locator('svg.histogram').count()).toBe(4); // incidence, emission, phase angle and gsd; not `start`
    expect(await page.locator('table.stages tbody tr td:first-child').allTextContents()).toEqual(report.stages.map((s) => s.label));
    expect((await page.locator('table.failures tbody tr').allTextContents()).sort()).toEqual(
      [...report.failures].sort((a, b) => a.item.localeCompare(b.item)).map((f) => expect.stringContaining(f.href)),
    );
    expect(await page.title()).toBe('kaguya-tc — stacflow run report');

    // The legend hides and shows a group (the page's one script runs under its CSP).
    await page.locator('button[data-toggle="kept"]').click();
    expect(await page.locator('#map .o-kept path.fp').first().isVisible()).toBe(false);
    expect(await page.locator('#map .o-filtered path.fp').first().isVisible()).toBe(true);
    await page.locator('button[data-toggle="kept"]').click();
    expect(await page.locator('#map .o-kept path.fp').first().isVisible()).toBe(true);

    expect(messages).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  }, 60_000);
});
