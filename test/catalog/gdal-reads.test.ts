import { execFileSync, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { kaguyaItems, runYaml, tempDir, writeNdjson } from './catalog-run.js';

// GDAL is what GeoPandas' read_file (pyogrio, fiona) and QGIS open these files with. It comes from Debian
// (apt-get install gdal-bin); a machine without it skips this file, with a warning.
const HAVE_OGRINFO = spawnSync('ogrinfo', ['--version']).status === 0;
const describeGdal = HAVE_OGRINFO ? describe : describe.skip;
if (!HAVE_OGRINFO) console.warn('test/catalog/gdal-reads.test.ts skipped: GDAL is not installed (apt-get install gdal-bin)');

/** ogrinfo's report of every layer, run in the test folder. */
const ogrinfo = (dir: string, ...args: string[]): string => execFileSync('ogrinfo', ['-ro', '-al', '-geom=SUMMARY', ...args], { cwd: dir, encoding: 'utf8' });

describeGdal('GDAL (GeoPandas, QGIS) reads the catalogs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('gdal');
    const input = await writeNdjson(path.join(dir, 'in.ndjson'), kaguyaItems());
    const { exitCode } = await runYaml(`name: gdal
source: { items: { path: ${input} } }
steps:
  - select: { sun: view:sun_elevation }
outputs:
  - csv: { path: ${dir}/out.csv, geometry: true }
  - ndjson: { path: ${dir}/out.ndjson }
  - geojson: { path: ${dir}/out.geojson }
`, dir);
    expect(exitCode).toBe(0);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the CSV: geometry read as WKT polygons (GEOM_POSSIBLE_NAMES), bbox and selected fields as numbers', () => {
    const info = ogrinfo(dir, '-oo', 'GEOM_POSSIBLE_NAMES=geometry', '-oo', 'KEEP_GEOM_COLUMNS=NO', '-oo', 'AUTODETECT_TYPE=YES', 'out.csv');
    expect(info).toContain('Geometry Column = geometry');
    expect(info.match(/^ {2}POLYGON : 43 points$/gm)).toHaveLength(3);
    expect(info).toMatch(/^bbox_xmin: Real/m);
    expect(info).toMatch(/^sun: Real/m);
    expect(info).not.toMatch(/^geometry: String/m);
  });

  it.each([['GeoJSONSeq:out.ndjson', 'GeoJSONSeq'], ['out.geojson', 'GeoJSON']])('%s: three polygons with their stacflow: properties', (file, driver) => {
    const text = ogrinfo(dir, file);
    expect(text).toContain(`using driver \`${driver}' successful`);
    expect(text).toContain('Feature Count: 3');
    expect(text.match(/^ {2}POLYGON : 43 points$/gm)).toHaveLength(3);
    expect(text).toContain(`stacflow:sun (Real) = ${kaguyaItems()[0].properties['view:sun_elevation']}`);
  });
});
