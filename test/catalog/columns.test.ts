import { readFileSync } from 'node:fs';
import { newEntry, withFailure, withFields, withFile, type StacItem } from '../../src/entry.js';
import { columnsFromSpecs, columnsSchema, defaultColumns, FAILED_COLUMN, itemDatetime } from '../../src/catalog/columns.js';

const item: StacItem = JSON.parse(
  readFileSync(new URL('../fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07496N087E3020.json', import.meta.url), 'utf8'),
);
const label = { get: () => 62.548768944137 };
const entry = withFields(newEntry(item), { caminfo: label, incidence_angle: 62.548768944137, gsd: 7.65, note: null, tags: ['a'] });

describe('defaultColumns', () => {
  it('are id, collection, datetime, then scalar fields in order, then one href column per asset', () => {
    expect(defaultColumns(entry).map((c) => c.name)).toEqual([
      'id',
      'collection',
      'datetime',
      'incidence_angle',
      'gsd',
      'note',
      'tags',
      'asset:thumbnail',
      'asset:image',
      'asset:provenance',
      'asset:isis_label',
      'asset:pds_label',
      'asset:caminfo_pvl',
      'asset:usgscsm_isd',
    ]);
  });

  it('end with one local path column per downloaded file, empty for entries without that file', () => {
    const downloaded = withFile(entry, 'image', { path: 'data/c/TC1S2B0_01_07496N087E3020/TC1S2B0_01_07496N087E3020.tif', bytes: 3, status: 'downloaded' });
    const columns = defaultColumns(downloaded);
    expect(columns.map((c) => c.name).slice(-2)).toEqual(['asset:usgscsm_isd', 'file:image']);
    expect(columns.at(-1)!.read(downloaded)).toBe('data/c/TC1S2B0_01_07496N087E3020/TC1S2B0_01_07496N087E3020.tif');
    expect(columns.at(-1)!.read(entry)).toBeNull();
  });

  it('read the entry', () => {
    const values = Object.fromEntries(defaultColumns(entry).map((c) => [c.name, c.read(entry)]));
    expect(values).toMatchObject({
      id: 'TC1S2B0_01_07496N087E3020',
      datetime: '2009-06-07T14:42:56.305175Z',
      incidence_angle: 62.548768944137,
      'asset:image': item.assets.image.href,
    });
  });

  it('give empty asset and field values for entries that lack them', () => {
    const columns = defaultColumns(entry);
    const bare = newEntry({ ...item, assets: {} });
    const values = Object.fromEntries(columns.map((c) => [c.name, c.read(bare)]));
    expect(values).toMatchObject({ incidence_angle: null, 'asset:image': null });
  });

  it('are the base columns without a sample entry', () => {
    expect(defaultColumns(undefined).map((c) => c.name)).toEqual(['id', 'collection', 'datetime']);
  });
});

describe('itemDatetime', () => {
  it('is datetime, or start_datetime when datetime is null', () => {
    expect(itemDatetime(item)).toBe('2009-06-07T14:42:56.305175Z');
    const range = { ...item, properties: { ...item.properties, datetime: null, start_datetime: '2009-06-07T14:40:00Z' } };
    expect(itemDatetime(range)).toBe('2009-06-07T14:40:00Z');
  });
});

describe('FAILED_COLUMN', () => {
  it('says stage: message for each failure', () => {
    const failed = withFailure(withFailure(entry, { stage: 'fetch_label', code: 'E1', message: 'HTTP 404' }), {
      stage: 'download',
      code: 'E2',
      message: 'timeout',
    });
    expect(FAILED_COLUMN.read(failed)).toBe('fetch_label: HTTP 404; download: timeout');
    expect(FAILED_COLUMN.read(entry)).toBeNull();
  });
});

describe('columns from YAML', () => {
  it('name a path by itself and a mapping by its keys', () => {
    const specs = columnsSchema.parse(['id', { incidence: 'incidence_angle', image: 'assets.image.href' }, 'proj:epsg']);
    const columns = columnsFromSpecs(specs);
    expect(columns.map((c) => [c.name, c.read(entry)])).toEqual([
      ['id', 'TC1S2B0_01_07496N087E3020'],
      ['incidence', 62.548768944137],
      ['image', item.assets.image.href],
      ['proj:epsg', null],
    ]);
  });

  it('reject a name given twice', () => {
    const result = columnsSchema.safeParse(['id', { id: 'collection' }]);
    expect(result.error?.issues[0].message).toBe("column 'id' appears twice: name one of them with { other_name: path }");
  });

  it('reject an invalid path, saying where', () => {
    const result = columnsSchema.safeParse(['id', { x: 'a..b' }]);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain("invalid field path 'a..b': expected a name, found '.' at column 3");
  });
});
