import { readFileSync } from 'node:fs';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog } from '../../sandbox/index.js';
import { caminfoFor, caminfoVariant, groundVector, parseIsoMicros, phaseAngle } from '../../sandbox/s3/caminfo.js';
import { gisFootprint, isisNumber, isisTime } from '../../sandbox/s3/isis-format.js';
import { parsePvlTemplate, renderPvlTemplate, templateValues } from '../../sandbox/s3/pvl-template.js';

const FIXTURES = new URL('../fixtures/usgs/', import.meta.url);
const REAL = ['TC1S2B0_01_07495N079E3030', 'TC1S2B0_01_07496N087E3020', 'TC1S2B0_01_07496N183E3021'].map((id) => `caminfo/${id}.caminfo.pvl`);
const SYNTHESIZED = ['synthesized/caminfo_geometry_NULL_values_variant.pvl', 'synthesized/caminfo_with_IsisLabel_object_variant.pvl'];
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const catalog = new SandboxCatalog(42, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 40 })));

/** The value of a keyword in an object/group of a rendered caminfo (enough for these checks; not a PVL parser). */
function valueOf(text: string, path: string): string {
  const values = templateValues(parsePvlTemplate(text));
  if (!(path in values)) throw new Error(`no ${path}`);
  return values[path];
}

describe('PVL templates of real labels', () => {
  it.each([...REAL, ...SYNTHESIZED])('render %s byte for byte when no value changes', (name) => {
    const text = fixture(name);
    expect(renderPvlTemplate(parsePvlTemplate(text), {})).toBe(text);
  });

  it('finds every Caminfo keyword by its path, multi-line values included', () => {
    const values = templateValues(parsePvlTemplate(fixture(REAL[1])));
    expect(values['Caminfo.Geometry.IncidenceAngle']).toBe('62.64846899183');
    expect(values['Caminfo.Polygon.Mapping.PixelResolution']).toBe('7.6508919736877');
    expect(values['Caminfo.Polygon.SurfaceArea']).toBe('1165.0569762967'); // unit <km^2> kept apart
    expect(values['Caminfo.Polygon.GisFootprint'].split('\n')).toHaveLength(44);
  });

  it('refuses a value for a keyword the template does not have', () => {
    expect(() => renderPvlTemplate(parsePvlTemplate(fixture(REAL[1])), { 'Caminfo.Geometry.Incidence': '1' })).toThrow(/no keyword Caminfo.Geometry.Incidence/);
  });

  it.each(REAL)('write the GisFootprint of %s exactly as ISIS wrapped it, from its vertices', (name) => {
    const text = fixture(name);
    const template = parsePvlTemplate(text);
    const numbers = templateValues(template)['Caminfo.Polygon.GisFootprint'].replace(/[^\d.\s,-]/g, ' ').split(/[\s,]+/).filter(Boolean).map(Number);
    const ring = Array.from({ length: numbers.length / 2 }, (_, i) => [numbers[2 * i], numbers[2 * i + 1]] as const);
    expect(renderPvlTemplate(template, { 'Caminfo.Polygon.GisFootprint': (column) => gisFootprint(ring, column) })).toBe(text);
  });
});

describe('ISIS value formats', () => {
  it.each([
    [62.64846899183, '62.64846899183'],
    [2328, '2328.0'],
    [0, '0.0'],
    [14936448, '14936448.0'],
    [-0.31248627796484, '-0.31248627796484'],
    [1735674.0617498, '1735674.0617498'],
    [136.9590349922, '136.9590349922'],
    [0.051891240134875, '0.051891240134875'],
  ])('writes %p as %s', (value, text) => {
    expect(isisNumber(value)).toBe(text);
  });

  it('writes times with 7 decimals, as caminfo does', () => {
    expect(isisTime(parseIsoMicros('2009-06-07T14:42:56.305175Z'), 9)).toBe('2009-06-07T14:42:56.3051759');
  });
});

describe('caminfo geometry', () => {
  const real = templateValues(parsePvlTemplate(fixture(REAL[1])));
  const g = (key: string) => Number(real[`Caminfo.Geometry.${key}`]);

  it('derives PhaseAngle as the real label has it, from incidence, emission and the ground azimuths', () => {
    const phase = phaseAngle(g('IncidenceAngle'), g('EmissionAngle'), g('SubSolarGroundAzimuth'), g('SubSpacecraftGroundAzimuth'));
    expect(phase).toBeCloseTo(g('PhaseAngle'), 2);
  });

  it('derives Parallax and Shadow as the real label has them', () => {
    const [px, py] = groundVector(g('EmissionAngle'), g('SubSpacecraftGroundAzimuth'));
    const [sx, sy] = groundVector(g('IncidenceAngle'), g('SubSolarGroundAzimuth'));
    expect([px, py, sx, sy].map((v) => v.toFixed(3))).toEqual([g('ParallaxX'), g('ParallaxY'), g('ShadowX'), g('ShadowY')].map((v) => v.toFixed(3)));
  });
});

describe('caminfoFor', () => {
  const entries = [...catalog.entries()];

  it('is the same for the same seed, and varies the angles between items', () => {
    const again = new SandboxCatalog(42, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 40 })));
    expect(caminfoFor(again, 7).text).toBe(caminfoFor(catalog, 7).text);
    const angles = entries.map(({ g }) => caminfoFor(catalog, g, { nullGeometryShare: 0, isisLabelShare: 0 }).incidenceAngle);
    expect(new Set(angles).size).toBe(entries.length);
    for (const angle of angles) expect(angle! >= 58 && angle! < 90).toBe(true);
    expect(angles.filter((a) => a! < 80).length).toBeGreaterThan(entries.length / 2);
  });

  it('agrees with its item: id, times, footprint, bbox, gsd and view angles', () => {
    for (const { g, collection, id } of entries.slice(0, 12)) {
      const item = catalog.item(collection, id)!;
      const doc = caminfoFor(catalog, g, { nullGeometryShare: 0, isisLabelShare: 0 });
      const p = item.properties as unknown as Record<string, number> & { start_datetime: string; end_datetime: string };
      const [west, south, east, north] = item.bbox!;
      const lon = (x: number) => (x < 0 ? x + 360 : x);
      expect(valueOf(doc.text, 'Caminfo.Parameters.From')).toBe(`${id}.l1.cub`);
      expect(valueOf(doc.text, 'Caminfo.Parameters.IsisId')).toMatch(new RegExp(`^KAGUYA/TC${id[2]}/`));
      expect(valueOf(doc.text, 'Caminfo.Geometry.StartTime').slice(0, 26)).toBe(p.start_datetime.slice(0, 26));
      expect(valueOf(doc.text, 'Caminfo.Geometry.EndTime').slice(0, 26)).toBe(p.end_datetime.slice(0, 26));
      expect(doc.emissionAngle).toBe(Number(isisNumber(p['view:off_nadir'])));
      expect(Number(valueOf(doc.text, 'Caminfo.Geometry.NorthAzimuth'))).toBeCloseTo(p['view:azimuth'], 9);
      expect(Number(valueOf(doc.text, 'Caminfo.Geometry.SubSolarGroundAzimuth'))).toBeCloseTo(p['view:sun_azimuth'], 9);
      expect(Number(valueOf(doc.text, 'Caminfo.Polygon.Mapping.PixelResolution'))).toBeCloseTo(p.gsd, 9);
      expect(Number(valueOf(doc.text, 'Caminfo.Polygon.Mapping.MinimumLatitude'))).toBeCloseTo(south, 9);
      expect(Number(valueOf(doc.text, 'Caminfo.Polygon.Mapping.MaximumLatitude'))).toBeCloseTo(north, 9);
      if (!(west < 0 && east > 0)) {
        expect(Number(valueOf(doc.text, 'Caminfo.Polygon.Mapping.MinimumLongitude'))).toBeCloseTo(lon(west), 9);
        expect(Number(valueOf(doc.text, 'Caminfo.Polygon.Mapping.MaximumLongitude'))).toBeCloseTo(lon(east), 9);
        const ring = (item.geometry as { coordinates: number[][][] }).coordinates[0];
        const footprint = valueOf(doc.text, 'Caminfo.Polygon.GisFootprint').replace(/\s+/g, ' ');
        expect(footprint).toBe(`"MULTIPOLYGON (((${ring.map(([x, y]) => `${lon(x).toFixed(16)} ${y.toFixed(16)}`).join(', ')})))"`);
      }
      const phase = phaseAngle(doc.incidenceAngle!, doc.emissionAngle!, Number(valueOf(doc.text, 'Caminfo.Geometry.SubSolarGroundAzimuth')),
        Number(valueOf(doc.text, 'Caminfo.Geometry.SubSpacecraftGroundAzimuth')));
      expect(doc.phaseAngle).toBeCloseTo(phase, 9);
    }
  });

  it('keeps every byte of the real label outside the values, and the values that do not describe the observation', () => {
    const doc = caminfoFor(catalog, 3, { nullGeometryShare: 0, isisLabelShare: 0 });
    const real = parsePvlTemplate(fixture(REAL[1]));
    const rendered = parsePvlTemplate(doc.text);
    const literals = (t: typeof real) => t.parts.filter((part) => typeof part === 'string');
    expect(literals(rendered)).toEqual(literals(real));
    expect(rendered.paths).toEqual(real.paths);
    const constant = ['Parameters.Program', 'Parameters.IsisVersion', 'Parameters.Samples', 'Statistics.PercentNull', 'Geometry.Target',
      'Geometry.HasNorthPole', 'Polygon.SampleIncrement', 'Polygon.Mapping.ProjectionName', 'Polygon.Mapping.EquatorialRadius'];
    for (const key of constant) expect(templateValues(rendered)[`Caminfo.${key}`]).toBe(templateValues(real)[`Caminfo.${key}`]);
  });

  it('writes NULL where ISIS does for the null-geometry variant, and reports the angles as null', () => {
    const doc = caminfoFor(catalog, 5, { nullGeometryShare: 1, isisLabelShare: 0 });
    expect(doc).toMatchObject({ variant: 'null-geometry', incidenceAngle: null, emissionAngle: null, phaseAngle: null });
    const nullVariant = fixture(SYNTHESIZED[0]).split('\n');
    const rendered = doc.text.split('\n');
    nullVariant.forEach((line, i) => {
      if (line.endsWith('= NULL')) expect(rendered[i]).toBe(line);
    });
    expect(rendered.filter((l) => l.endsWith('= NULL'))).toHaveLength(nullVariant.filter((l) => l.endsWith('= NULL')).length);
  });

  it('nests the cube label for the isis-label variant, naming this observation', () => {
    const { g, id } = entries[9];
    const doc = caminfoFor(catalog, g, { nullGeometryShare: 0, isisLabelShare: 1 });
    expect(doc.variant).toBe('isis-label');
    expect(doc.text).toContain('  Object = IsisLabel\n');
    expect(valueOf(doc.text, 'Caminfo.IsisLabel.IsisCube.Archive.ProductId')).toBe(id);
    expect(valueOf(doc.text, 'Caminfo.IsisLabel.IsisCube.Core.Dimensions.Lines')).toBe(valueOf(doc.text, 'Caminfo.Parameters.Lines'));
    expect(valueOf(doc.text, 'Caminfo.IsisLabel.IsisCube.Instrument.StartTime')).toBe(valueOf(doc.text, 'Caminfo.Parameters.IsisId').split('/')[2]);
    expect(doc.incidenceAngle).toBe(caminfoFor(catalog, g, { nullGeometryShare: 0, isisLabelShare: 0 }).incidenceAngle);
  });

  it('chooses variants per item from the seed, in the shares asked for', () => {
    const big = new SandboxCatalog(42, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 1000 })));
    const counts = { plain: 0, 'null-geometry': 0, 'isis-label': 0 };
    for (let g = 0; g < big.size; g += 1) counts[caminfoVariant(big, g, { nullGeometryShare: 0.1, isisLabelShare: 0.2 })] += 1;
    expect(counts['null-geometry'] / big.size).toBeCloseTo(0.1, 1);
    expect(counts['isis-label'] / big.size).toBeCloseTo(0.2, 1);
  });
});
