import { createHash } from 'node:crypto';

// The page's only style sheet and script, inline (the file stands alone, offline). The Content-Security-Policy
// allows exactly these two by hash and nothing else: no request leaves the page, and markup that escaped
// escaping could run no script.

export const STYLE = `
:root { --kept: #1b9e77; --filtered: #9a9a9a; --failed: #d7301f; --ink: #1d232a; --muted: #5c6670; --line: #d8dde2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub, .note, .empty { color: var(--muted); }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; vertical-align: middle; }
.status.done { background: var(--kept); } .status.done_with_failures { background: #e08214; } .status.aborted { background: var(--failed); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card .n { font-size: 20px; font-weight: 600; display: block; }
.error { border-left: 4px solid var(--failed); background: #fdf0ee; padding: 8px 12px; }
.legend { display: flex; gap: 8px; margin: 4px 0 8px; }
.legend-item { font: inherit; border: 1px solid var(--line); background: #fff; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
.legend-item[aria-pressed="false"] { opacity: 0.45; text-decoration: line-through; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; border-radius: 2px; }
.swatch.o-kept { background: var(--kept); } .swatch.o-filtered { background: var(--filtered); } .swatch.o-failed { background: var(--failed); }
.map { width: 100%; max-height: 72vh; display: block; border: 1px solid var(--line); background: #fbfcfd; }
.map .frame { fill: #fff; stroke: var(--line); vector-effect: non-scaling-stroke; }
.map .fp { stroke-width: 1; vector-effect: non-scaling-stroke; fill-opacity: 0.22; stroke-opacity: 0.9; stroke-linejoin: round; }
.map .fp:hover { fill-opacity: 0.6; stroke-width: 2; }
.o-kept .fp { fill: var(--kept); stroke: var(--kept); } .o-filtered .fp { fill: var(--filtered); stroke: #7a7a7a; } .o-failed .fp { fill: var(--failed); stroke: var(--failed); }
.map.hide-kept .o-kept, .map.hide-filtered .o-filtered, .map.hide-failed .o-failed { display: none; }
.grid { stroke: #e6e9ec; vector-effect: non-scaling-stroke; } .axis { stroke: #888; }
.tick, .axis-title { fill: var(--muted); }
.histograms { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 16px; }
.histograms figure { margin: 0; } .histograms figcaption { font-weight: 600; } .histogram { width: 100%; display: block; }
rect.o-kept { fill: var(--kept); } rect.o-filtered { fill: var(--filtered); } rect.o-failed { fill: var(--failed); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.failures { table-layout: fixed; }
table.failures th:nth-child(1) { width: 17%; } table.failures th:nth-child(2) { width: 15%; } table.failures th:nth-child(3) { width: 9%; }
table.failures th:nth-child(4) { width: 11%; } table.failures th:nth-child(5) { width: 22%; }
table.failures td { overflow-wrap: anywhere; }
td.time { white-space: nowrap; }
td.href { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.counters { color: var(--muted); font-size: 12px; }
svg.bar { width: 120px; height: 10px; vertical-align: middle; margin-right: 6px; } svg.bar rect { fill: #6b8fb3; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;

export const SCRIPT = `
const map = document.getElementById('map');
for (const button of map ? document.querySelectorAll('[data-toggle]') : []) {
  button.addEventListener('click', () => {
    const hidden = map.classList.toggle('hide-' + button.dataset.toggle);
    button.setAttribute('aria-pressed', String(!hidden));
  });
}
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`;
