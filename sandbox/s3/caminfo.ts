import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/package-root.js';
import type { SandboxCatalog } from '../catalog.js';
import { materialiseItem } from '../item-factory.js';
import { propertyValue } from '../item-properties.js';
import { hash32 } from '../random.js';
import { gisFootprint, isisMicroTime, isisNumber, isisSecondTime, isisTime } from './isis-format.js';
import { parsePvlTemplate, renderPvlTemplate, templateValues, type PvlTemplate, type SlotValue } from './pvl-template.js';

/**
 * The `caminfo_pvl` label of a sandbox item: the real caminfo of TC1S2B0_01_07496N087E3020 (ISIS 7.2 `caminfo`)
 * with the values that differ between observations recomputed for this item, deterministically from the seed:
 *
 * - from the item itself, as the USGS items were made from their caminfo: the footprint (`GisFootprint` is the
 *   item's polygon, `Mapping` bounds its bbox, corners and centre), the times, `EmissionAngle` =
 *   `view:off_nadir`, `NorthAzimuth` = `view:azimuth`, `SubSolarGroundAzimuth` = `view:sun_azimuth`,
 *   `LocalTime` = `view:sun_elevation` and `Mapping.PixelResolution` = `gsd` (that is how the real item's
 *   values match its caminfo, LocalTime included);
 * - drawn: `IncidenceAngle` (58–90°, so the tutorial's `incidence_angle < 80` keeps about two thirds), the
 *   spacecraft's ground azimuth, altitude, radius, statistics, sub-solar point...;
 * - derived as ISIS derives them: `PhaseAngle` from incidence, emission and the two ground azimuths,
 *   `Parallax`/`Shadow` from the angles, line count from the duration, area and coverage from the polygon.
 *
 * Variants, chosen per item from the seed: `null-geometry` writes NULL where ISIS does for uncomputable
 * values (the keys NULL in data/caminfo/caminfo_geometry_NULL_values_variant.pvl); `isis-label` nests the
 * cube label as `Object = IsisLabel` (data/caminfo/caminfo_with_IsisLabel_object_variant.pvl).
 */

export type CaminfoVariant = 'plain' | 'null-geometry' | 'isis-label';

export interface CaminfoOptions {
  /** Share (0–1) of items whose caminfo has NULL geometry values. */
  nullGeometryShare: number;
  /** Share (0–1) of items whose caminfo nests the cube label (`Object = IsisLabel`). */
  isisLabelShare: number;
}

export const DEFAULT_CAMINFO_OPTIONS: Readonly<CaminfoOptions> = Object.freeze({ nullGeometryShare: 0.03, isisLabelShare: 0.05 });

/** A rendered label and the values a pipeline will read from it (as numbers, exactly as written; null for NULL). */
export interface CaminfoDocument {
  id: string;
  variant: CaminfoVariant;
  text: string;
  incidenceAngle: number | null;
  emissionAngle: number | null;
  phaseAngle: number | null;
}

const DATA = (name: string) => packagePath('sandbox', 'data', 'caminfo', name);
export const CAMINFO_TEMPLATE_FILE = 'TC1S2B0_01_07496N087E3020.caminfo.pvl';
const NULL_VARIANT_FILE = 'caminfo_geometry_NULL_values_variant.pvl';
const ISIS_LABEL_VARIANT_FILE = 'caminfo_with_IsisLabel_object_variant.pvl';

interface Templates {
  plain: PvlTemplate;
  isisLabel: PvlTemplate;
  /** The nested-label variant's values, by path. */
  isisLabelReal: Record<string, string>;
  /** The real label's values, by path. */
  real: Record<string, string>;
  /** Paths that the NULL variant writes as NULL. */
  nullPaths: readonly string[];
}

let loaded: Templates | undefined;

function templates(): Templates {
  if (!loaded) {
    const plain = parsePvlTemplate(readFileSync(DATA(CAMINFO_TEMPLATE_FILE), 'utf8'));
    const withNulls = templateValues(parsePvlTemplate(readFileSync(DATA(NULL_VARIANT_FILE), 'utf8')));
    const real = templateValues(plain);
    const isisLabel = parsePvlTemplate(readFileSync(DATA(ISIS_LABEL_VARIANT_FILE), 'utf8'));
    loaded = {
      plain,
      isisLabel,
      isisLabelReal: templateValues(isisLabel),
      real,
      nullPaths: Object.keys(withNulls).filter((path) => withNulls[path] === 'NULL' && real[path] !== 'NULL'),
    };
  }
  return loaded;
}

const { acos, cos, floor, sin, tan, PI } = Math;
const RAD = PI / 180;
const DEG = 180 / PI;
const MICROS_PER_DAY = 86_400e6;
/** One lunar orbit of the Earth–Moon system around the Sun: Ls goes round once per sidereal year. */
const SIDEREAL_YEAR_DAYS = 365.25636;

export function caminfoVariant(catalog: SandboxCatalog, g: number, options: CaminfoOptions = DEFAULT_CAMINFO_OPTIONS): CaminfoVariant {
  const u = hash32(catalog.seed, g, 21) / 4294967296;
  if (u < options.nullGeometryShare) return 'null-geometry';
  if (u < options.nullGeometryShare + options.isisLabelShare) return 'isis-label';
  return 'plain';
}

/** The caminfo label of item `g` (see the module comment). Same seed and options, same bytes. */
export function caminfoFor(catalog: SandboxCatalog, g: number, options: CaminfoOptions = DEFAULT_CAMINFO_OPTIONS): CaminfoDocument {
  const t = templates();
  const variant = caminfoVariant(catalog, g, options);
  const values = caminfoValues(catalog, g);
  if (variant === 'null-geometry') for (const path of t.nullPaths) values[path] = 'NULL';
  if (variant === 'isis-label') Object.assign(values, isisLabelValues(catalog, g, values));
  const text = renderPvlTemplate(variant === 'isis-label' ? t.isisLabel : t.plain, values);
  const angle = (name: string): number | null => {
    const value = values[`Caminfo.Geometry.${name}`] as string;
    return value === 'NULL' ? null : Number(value);
  };
  return { id: catalog.id(g), variant, text, incidenceAngle: angle('IncidenceAngle'), emissionAngle: angle('EmissionAngle'), phaseAngle: angle('PhaseAngle') };
}

/** Values of the Caminfo objects (Parameters, Statistics, Geometry, Polygon) for item `g`, by path. */
function caminfoValues(catalog: SandboxCatalog, g: number): Record<string, SlotValue> {
  const real = templates().real;
  const r = (path: string) => Number(real[`Caminfo.${path}`]);
  // A touched item is reprocessed: its drawn values (incidence angle included) are drawn again.
  const revision = catalog.revision(g);
  const u = (k: number) => (revision === 0 ? hash32(catalog.seed, g, 22, k) : hash32(catalog.seed, g, 22, k, revision)) / 4294967296;
  const property = (name: string) => propertyValue(catalog, g, name);
  const num = isisNumber;

  const id = catalog.id(g);
  const camera = `TC${id[2]}`;
  const startUs = catalog.start[g];
  const endUs = parseIsoMicros(property('end_datetime') as string);
  const realStartUs = parseIsoMicros(real['Caminfo.Geometry.StartTime']);
  const realEndUs = parseIsoMicros(real['Caminfo.Geometry.EndTime']);
  const linesPerSecond = r('Parameters.Lines') / ((realEndUs - realStartUs) / 1e6);
  const lines = Math.max(2, Math.round(((endUs - startUs) / 1e6) * linesPerSecond));
  const samples = r('Parameters.Samples');
  // The cube's own start time (IsisId) runs a few ms after the caminfo StartTime in the real pair.
  const isisIdOffsetUs = parseIsoMicros(real['Caminfo.Parameters.IsisId'].split('/')[2]) - realStartUs;

  const gsd = property('gsd') as number;
  const emission = property('view:off_nadir') as number;
  const northAzimuth = property('view:azimuth') as number;
  const sunGroundAzimuth = property('view:sun_azimuth') as number;
  const localTime = property('view:sun_elevation') as number;
  const incidence = 58 + 32 * u(0);
  const spacecraftGroundAzimuth = 360 * u(1);
  const phase = phaseAngle(incidence, emission, sunGroundAzimuth, spacecraftGroundAzimuth);
  const [parallaxX, parallaxY] = groundVector(emission, spacecraftGroundAzimuth);
  const [shadowX, shadowY] = groundVector(incidence, sunGroundAzimuth);

  const west = lon360(catalog.west[g]);
  const east = lon360(catalog.east[g]);
  const south = catalog.south[g];
  const north = catalog.north[g];
  const crossesZero = catalog.west[g] < 0 && catalog.east[g] > 0;
  const centerLat = (south + north) / 2;
  const centerLon = lon360((catalog.west[g] + catalog.east[g]) / 2);
  const centroid = property('proj:centroid') as { lat: number; lon: number };
  const radius = 1737400 - 3000 * u(3);
  const altitudeKm = 50 + 60 * u(4);
  const itemRing = (materialiseItem(catalog, g, '').geometry as { coordinates: number[][][] }).coordinates[0].map(([lon, lat]) => [lon, lat] as const);
  // ISIS would split a footprint across 0°/360° into two polygons; the sandbox keeps one, in -180..180 then.
  const ring = crossesZero ? itemRing : itemRing.map(([lon, lat]) => [lon360(lon), lat] as const);
  const area = ringAreaKm2(itemRing, radius / 1000);
  const solarLongitude = mod360(r('Geometry.SolarLongitude') + ((startUs - realStartUs) / MICROS_PER_DAY / SIDEREAL_YEAR_DAYS) * 360);
  const mapping = 'Polygon.Mapping';

  const values: Record<string, SlotValue> = {
    'Parameters.RunDate': isisSecondTime(Date.parse(property('created') as string) - (60 + 60 * u(20)) * 1000),
    'Parameters.IsisId': `KAGUYA/${camera}/${isisMicroTime(startUs + isisIdOffsetUs)}`,
    'Parameters.From': `${id}.l1.cub`,
    'Parameters.Lines': String(lines),
    'Statistics.MeanValue': num(6.5 + 3 * u(13)),
    'Statistics.StandardDeviation': num(1.3 + 0.5 * u(14)),
    'Statistics.MinimumValue': num(round(0.3 + 0.2 * u(15), 3)),
    'Statistics.MaximumValue': num(round(25 + 7 * u(16), 3)),
    'Statistics.TotalPixels': num(lines * samples),
    'Geometry.StartTime': isisTime(startUs, floor(10 * u(21))),
    'Geometry.EndTime': isisTime(endUs, floor(10 * u(22))),
    'Geometry.CenterLine': num(lines / 2),
    'Geometry.CenterSample': num(samples / 2),
    'Geometry.CenterLatitude': num(centerLat),
    'Geometry.CenterLongitude': num(centerLon),
    'Geometry.CenterRadius': num(radius),
    'Geometry.RightAscension': num(360 * u(11)),
    'Geometry.Declination': num(-35 + 70 * u(12)),
    'Geometry.UpperLeftLongitude': num(west),
    'Geometry.UpperLeftLatitude': num(north),
    'Geometry.LowerLeftLongitude': num(west),
    'Geometry.LowerLeftLatitude': num(south),
    'Geometry.LowerRightLongitude': num(east),
    'Geometry.LowerRightLatitude': num(south),
    'Geometry.UpperRightLongitude': num(east),
    'Geometry.UpperRightLatitude': num(north),
    'Geometry.PhaseAngle': num(phase),
    'Geometry.EmissionAngle': num(emission),
    'Geometry.IncidenceAngle': num(incidence),
    'Geometry.NorthAzimuth': num(northAzimuth),
    'Geometry.OffNadir': num(emission * (r('Geometry.OffNadir') / r('Geometry.EmissionAngle')) * (0.99 + 0.02 * u(2))),
    'Geometry.SolarLongitude': num(solarLongitude),
    'Geometry.LocalTime': num(localTime),
    'Geometry.TargetCenterDistance': num(radius / 1000 + altitudeKm),
    'Geometry.SlantDistance': num(altitudeKm / cos(emission * RAD)),
    'Geometry.SampleResolution': num(gsd * (r('Geometry.SampleResolution') / r(`${mapping}.PixelResolution`))),
    'Geometry.LineResolution': num(gsd * (r('Geometry.LineResolution') / r(`${mapping}.PixelResolution`))),
    'Geometry.PixelResolution': num(gsd * (r('Geometry.PixelResolution') / r(`${mapping}.PixelResolution`))),
    'Geometry.MeanGroundResolution': num(gsd * (r('Geometry.MeanGroundResolution') / r(`${mapping}.PixelResolution`))),
    'Geometry.SubSolarAzimuth': num(360 * u(7)),
    'Geometry.SubSolarGroundAzimuth': num(sunGroundAzimuth),
    'Geometry.SubSolarLatitude': num(-1.54 + 3.08 * u(5)),
    'Geometry.SubSolarLongitude': num(360 * u(6)),
    'Geometry.SubSpacecraftAzimuth': num(360 * u(8)),
    'Geometry.SubSpacecraftGroundAzimuth': num(spacecraftGroundAzimuth),
    'Geometry.SubSpacecraftLatitude': num(centerLat + 2 * (u(9) - 0.5)),
    'Geometry.SubSpacecraftLongitude': num(mod360(centerLon + 2 * (u(10) - 0.5))),
    'Geometry.ParallaxX': num(parallaxX),
    'Geometry.ParallaxY': num(parallaxY),
    'Geometry.ShadowX': num(shadowX),
    'Geometry.ShadowY': num(shadowY),
    'Geometry.HasLongitudeBoundary': crossesZero ? 'TRUE' : 'FALSE',
    'Geometry.ObliqueSampleResolution': num(gsd * (r('Geometry.ObliqueSampleResolution') / r(`${mapping}.PixelResolution`))),
    'Geometry.ObliqueLineResolution': num(gsd * (r('Geometry.ObliqueLineResolution') / r(`${mapping}.PixelResolution`))),
    'Geometry.ObliquePixelResolution': num(gsd * (r('Geometry.ObliquePixelResolution') / r(`${mapping}.PixelResolution`))),
    'Geometry.ObliqueDetectorResolution': num(gsd * (r('Geometry.ObliqueDetectorResolution') / r(`${mapping}.PixelResolution`))),
    'Polygon.CentroidLine': num(lines / 2 - 0.5 * u(17)),
    'Polygon.CentroidSample': num(samples / 2 - 1.5 * u(18)),
    'Polygon.CentroidLatitude': num(centroid.lat),
    'Polygon.CentroidLongitude': num(lon360(centroid.lon)),
    'Polygon.CentroidRadius': num(radius + 2 * u(19)),
    'Polygon.SurfaceArea': num(area),
    'Polygon.GlobalCoverage': (area * (r('Polygon.GlobalCoverage') / r('Polygon.SurfaceArea'))).toFixed(6),
    'Polygon.GisFootprint': (column: number) => gisFootprint(ring, column),
    [`${mapping}.MinimumLatitude`]: num(south),
    [`${mapping}.MaximumLatitude`]: num(north),
    [`${mapping}.MinimumLongitude`]: num(crossesZero ? 0 : west),
    [`${mapping}.MaximumLongitude`]: num(crossesZero ? 360 : east),
    [`${mapping}.PixelResolution`]: num(gsd),
    [`${mapping}.CenterLongitude`]: num(centerLon),
  };
  return Object.fromEntries(Object.entries(values).map(([path, value]) => [`Caminfo.${path}`, value]));
}

/** The nested cube label's keys that name the observation, kept in step with the caminfo values. */
function isisLabelValues(catalog: SandboxCatalog, g: number, values: Record<string, SlotValue>): Record<string, SlotValue> {
  const id = catalog.id(g);
  const cube = 'Caminfo.IsisLabel.IsisCube';
  const real = templates().real;
  const lines = Number(values['Caminfo.Parameters.Lines']);
  const start = (values['Caminfo.Parameters.IsisId'] as string).split('/')[2];
  const realLines = Number(real['Caminfo.Parameters.Lines']);
  const realIsisId = real['Caminfo.Parameters.IsisId'].split('/')[2];
  const realStop = parseIsoMicros(templates().isisLabelReal[`${cube}.Instrument.StopTime`]);
  const lineIntervalUs = (realStop - parseIsoMicros(realIsisId)) / realLines;
  return {
    [`${cube}.Core.Dimensions.Lines`]: String(lines),
    [`${cube}.Instrument.InstrumentName`]: `"TERRAIN CAMERA ${id[2]}"`,
    [`${cube}.Instrument.InstrumentId`]: `TC${id[2]}`,
    [`${cube}.Instrument.StartTime`]: start,
    [`${cube}.Instrument.StopTime`]: isisMicroTime(parseIsoMicros(start) + Math.round(lines * lineIntervalUs)),
    [`${cube}.Archive.ProductId`]: id,
  };
}

/**
 * The phase angle (°) between the directions to the sun and to the spacecraft seen from the ground, from the
 * incidence and emission angles and the ground azimuths of the sub-solar and sub-spacecraft points.
 */
export function phaseAngle(incidence: number, emission: number, sunGroundAzimuth: number, spacecraftGroundAzimuth: number): number {
  const i = incidence * RAD;
  const e = emission * RAD;
  return DEG * acos(clamp(cos(i) * cos(e) + sin(i) * sin(e) * cos((sunGroundAzimuth - spacecraftGroundAzimuth) * RAD)));
}

/**
 * ISIS's Parallax (from emission and the sub-spacecraft ground azimuth) and Shadow (from incidence and the
 * sub-solar ground azimuth): tan(angle) along the azimuth, X pointing away. Matches the real label's values.
 */
export function groundVector(angle: number, groundAzimuth: number): [number, number] {
  const length = tan(angle * RAD);
  return [-length * cos(groundAzimuth * RAD), length * sin(groundAzimuth * RAD)];
}

/** Microseconds since the epoch of `2009-06-07T14:42:56.3051759` (or with `Z`); digits past the 6th are dropped. */
export function parseIsoMicros(text: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$/.exec(text.trim());
  if (!match) throw new RangeError(`not an ISO time: ${text}`);
  return Date.parse(`${match[1]}Z`) * 1000 + Number((match[2] ?? '').slice(0, 6).padEnd(6, '0'));
}

/** Area of a lon/lat ring (degrees) on a sphere of radius `radiusKm`: Σ Δλ (sin φ1 + sin φ2) / 2, in km². */
function ringAreaKm2(ring: ReadonlyArray<readonly [number, number]>, radiusKm: number): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i += 1) {
    const [lon1, lat1] = ring[i];
    const [lon2, lat2] = ring[i + 1];
    sum += (lon2 - lon1) * RAD * ((sin(lat1 * RAD) + sin(lat2 * RAD)) / 2);
  }
  return Math.abs(sum) * radiusKm * radiusKm;
}

const lon360 = (lon: number): number => (lon < 0 ? lon + 360 : lon);
const mod360 = (deg: number): number => ((deg % 360) + 360) % 360;
const clamp = (x: number): number => Math.max(-1, Math.min(1, x));
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
