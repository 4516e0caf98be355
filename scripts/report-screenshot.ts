// `npm run report-screenshot`: the README's picture of report.html (docs/report.png). Runs the tutorial's
// pipeline through the bin against the sandbox (as `npm run demo` does, with two labels missing so the
// failures show), opens the page in headless Chromium (Debian's, test/report-html/chromium.ts) and saves it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog, startSandbox } from '../sandbox/index.js';
import { ROOT, runBin } from '../test/cli/run-bin.js';
import { haveChromium, launchChromium } from '../test/report-html/chromium.js';

const SEED = 42;
const target = path.join(ROOT, 'docs', 'report.png');

if (!haveChromium()) {
  process.stderr.write('report-screenshot: needs Debian\'s chromium (apt-get install -y chromium)\n');
  process.exit(2);
}
const catalog = new SandboxCatalog(SEED, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 2000 })));
const found = KAGUYA_TC_COLLECTIONS.flatMap((c) => catalog.search({ collections: [c], bbox: [3, 4, 5, 6] }).slice(0, 200));
const missing = [found[3].id, found[found.length - 5].id];
const sandbox = await startSandbox({ seed: SEED, s3: { missing } });
const out = await mkdtemp(path.join(tmpdir(), 'stacflow-report-screenshot-'));
try {
  const run = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml'], { env: { STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint, OUT_DIR: out, DATA_DIR: path.join(out, 'data') } });
  if (run.code !== 3) throw new Error(`run-pipeline exited ${run.code}, expected 3 (two missing labels):\n${run.stderr}`);
  const browser = await launchChromium({ width: 1200, height: 900 });
  try {
    const page = await browser.context.newPage();
    await page.goto(pathToFileURL(path.join(out, 'kaguya-tc.report.html')).href);
    await page.screenshot({ path: target, fullPage: true });
  } finally {
    await browser.close();
  }
  process.stderr.write(`wrote ${path.relative(ROOT, target)}\n`);
} finally {
  await sandbox.close();
  await rm(out, { recursive: true, force: true });
}
