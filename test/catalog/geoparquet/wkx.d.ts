/**
 * Types for wkx (an untyped package: the independent WKB/WKT reader the tests check geometries with), the part
 * the tests call. Ambient, so one declaration serves every test that imports it.
 */
declare module 'wkx' {
  interface Geometry {
    readonly hasZ: boolean;
    toGeoJSON(): unknown;
    toWkt(): string;
    toWkb(): Buffer;
  }
  const wkx: { Geometry: { parse(value: Buffer | string): Geometry; parseGeoJSON(geojson: unknown): Geometry } };
  export default wkx;
}
