import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { formatValue, keepStdinDash, runPvl, STDIN_ARG, type PvlArgs } from '../../src/cli/commands/pvl.js';
import { parsePvl } from '../../src/pvl/index.js';
import { ROOT, runBin } from './run-bin.js';

const CAMINFO = fileURLToPath(new URL('../fixtures/usgs/caminfo/', import.meta.url));
const A = path.join(CAMINFO, 'TC1S2B0_01_07496N087E3020.caminfo.pvl');
const B = path.join(CAMINFO, 'TC1S2B0_01_07495N079E3030.caminfo.pvl');
const dir = mkdtempSync(path.join(tmpdir(), 'stacflow-pvl-cli-'));
const BROKEN = path.join(dir, 'broken.pvl');
writeFileSync(BROKEN, 'Object = Caminfo\n  Lines = = 5\nEnd_Object\nEnd\n');

async function pvl(args: Partial<PvlArgs> & { files: string[] }, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPvl(args, { stdin: Readable.from([Buffer.from(stdin)]), out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const parsed = new Map<string, ReturnType<ReturnType<typeof parsePvl>['toCanonical']>>();
const canonical = (file: string) => {
  if (!parsed.has(file)) parsed.set(file, parsePvl(readFileSync(file, 'utf8'), { source: file }).toCanonical());
  return parsed.get(file)!;
};

describe('stacflow pvl FILE', () => {
  it('prints one document as canonical JSON, one statement a line, blocks indented', async () => {
    const result = await pvl({ files: [A] });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual(canonical(A));
    expect(result.stdout.split('\n').slice(0, 5)).toEqual([
      '{"module": [',
      ' ["Caminfo", {"object": [',
      '  ["Parameters", {"object": [',
      '   ["Program", "caminfo"],',
      '   ["IsisVersion", "7.2.0 | 2023-03-14"],',
    ]);
    expect(result.stdout).toContain('\n   ["IncidenceAngle", {"real": 62.64846899183}],\n');
    expect(result.stdout).toContain('\n   ["SurfaceArea", {"value": {"real": 1165.0569762967}, "units": "km^2"}],\n');
    expect(result.stdout.endsWith(' ]}]\n]}\n')).toBe(true);
  });

  it('prints one JSON line a file for several files', async () => {
    const result = await pvl({ files: [A, B] });
    const lines = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ file: A, ...canonical(A) }, { file: B, ...canonical(B) }]);
  });

  it('prints one JSON line for one file with --ndjson', async () => {
    const result = await pvl({ files: [A], ndjson: true });
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual({ file: A, ...canonical(A) });
  });

  it('reads stdin for -', async () => {
    const result = await pvl({ files: ['-'], ndjson: true }, 'A = 1\r\nB = "two"\r\nEnd\r\n');
    expect(JSON.parse(result.stdout)).toEqual({ file: '<stdin>', module: [['A', { int: '1' }], ['B', 'two']] });
  });
});

describe('stacflow pvl --get PATH FILE', () => {
  it.each([
    ['Caminfo.Geometry.IncidenceAngle', '62.64846899183'],
    ['caminfo.geometry.incidenceangle', '62.64846899183'],
    ['Caminfo.Parameters.Lines', '4656'],
    ['Caminfo.Geometry.Target', 'MOON'],
    ['Caminfo.Parameters.IsisVersion', '7.2.0 | 2023-03-14'],
    ['Caminfo.Geometry.HasNorthPole', 'false'],
    ['Caminfo.Polygon.SurfaceArea', '1165.0569762967 <km^2>'],
    ['Caminfo.Polygon.SurfaceArea@units', 'km^2'],
    ['Caminfo.Polygon.Mapping.LongitudeDomain', '360'],
  ])('%s prints %s', async (get, printed) => {
    expect(await pvl({ files: [A], get })).toEqual({ code: 0, stdout: `${printed}\n`, stderr: '' });
  });

  it('prints a block as one line of JSON', async () => {
    const result = await pvl({ files: [A], get: 'Caminfo.Parameters' });
    expect(JSON.parse(result.stdout)).toMatchObject({ Program: 'caminfo', Lines: 4656, Bands: 1 });
  });

  it('prints NULL as null', async () => {
    const result = await pvl({ files: ['-'], get: 'Geometry.IncidenceAngle' }, 'Group = Geometry\n IncidenceAngle = NULL\nEnd_Group\nEnd\n');
    expect(result).toEqual({ code: 0, stdout: 'null\n', stderr: '' });
  });

  it('prefixes each value with its file for several files, or gives JSON lines with --ndjson', async () => {
    const get = 'Caminfo.Geometry.IncidenceAngle';
    expect((await pvl({ files: [A, B], get })).stdout).toBe(`${A}\t62.64846899183\n${B}\t62.548768944137\n`);
    expect((await pvl({ files: [A], get: 'Caminfo.Polygon.SurfaceArea', ndjson: true })).stdout).toBe(
      `${JSON.stringify({ file: A, value: { value: 1165.0569762967, units: 'km^2' } })}\n`,
    );
  });

  it('exits 1 when a file has nothing at the path, still printing the others', async () => {
    const result = await pvl({ files: [A, B], get: 'Caminfo.Geometry.NoSuchAngle' });
    expect(result).toEqual({ code: 1, stdout: '', stderr: `${A}: nothing at Caminfo.Geometry.NoSuchAngle\n${B}: nothing at Caminfo.Geometry.NoSuchAngle\n` });
    expect((await pvl({ files: [A], get: 'Caminfo.Geometry.IncidenceAngle@units' })).code).toBe(1);
  });

  it('formats values for a shell', () => {
    expect([formatValue('a b'), formatValue(1.5), formatValue(null), formatValue(true), formatValue([1, 'x']), formatValue({ value: [1, 2], units: 'DEG' })]).toEqual([
      'a b', '1.5', 'null', 'true', '[1,"x"]', '[1,2] <DEG>',
    ]);
  });
});

describe('stacflow pvl errors', () => {
  it('a label that is not PVL: file:line:col, the line and a caret on stderr, exit 1; other files still printed', async () => {
    const result = await pvl({ files: [BROKEN, A] });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').slice(0, 3)).toEqual([
      expect.stringMatching(new RegExp(`^${BROKEN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:11: not valid PVL: expected `)),
      '  2 |   Lines = = 5',
      '    |           ^',
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({ file: A });
  });

  it('a file that cannot be read: exit 1 with the reason', async () => {
    const missing = path.join(dir, 'missing.pvl');
    const result = await pvl({ files: [missing] });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^stacflow pvl: cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
  });
});

describe('the stacflow pvl command', () => {
  it('runs from the bin', async () => {
    const result = await runBin('stacflow', ['pvl', '--get', 'Caminfo.Geometry.EmissionAngle', A]);
    expect(result).toMatchObject({ code: 0, stdout: '17.576404673607\n' });
  });

  it('exits 1 on a broken label and 2 on a usage error', async () => {
    expect((await runBin('stacflow', ['pvl', BROKEN])).code).toBe(1);
    const usage = await runBin('stacflow', ['pvl']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('ERR_USAGE');
  });

  it('reads stdin for - (which yargs alone would drop)', async () => {
    const child = spawn(process.execPath, [`${ROOT}bin/stacflow.js`, 'pvl', '--get', 'A', '-'], { env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stdin.end('A = 1.5 <m>\nEnd\n');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect([code, stdout]).toEqual([0, '1.5 <m>\n']);
  });

  it('keeps a lone - of the pvl command only', () => {
    expect(keepStdinDash(['pvl', '--get', 'A', '-', 'b.pvl'])).toEqual(['pvl', '--get', 'A', STDIN_ARG, 'b.pvl']);
    expect(keepStdinDash(['validate', '-'])).toEqual(['validate', '-']);
  });
});
