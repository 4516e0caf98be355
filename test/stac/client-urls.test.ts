import { landingBase, resolveHref } from '../../src/stac/client.js';

describe('landingBase and resolveHref', () => {
  it('treats the landing page as a directory, with or without a trailing slash', () => {
    expect(landingBase('https://stac.astrogeology.usgs.gov/api/')).toBe('https://stac.astrogeology.usgs.gov/api/');
    expect(landingBase('https://stac.astrogeology.usgs.gov/api')).toBe('https://stac.astrogeology.usgs.gov/api/');
    expect(resolveHref('search', landingBase('https://stac.astrogeology.usgs.gov/api'))).toBe('https://stac.astrogeology.usgs.gov/api/search');
  });

  it('tolerates the double slashes of the USGS links', () => {
    expect(resolveHref('https://stac.astrogeology.usgs.gov/api//collections/x', 'https://stac.astrogeology.usgs.gov/api/')).toBe(
      'https://stac.astrogeology.usgs.gov/api/collections/x',
    );
  });

  it('keeps absolute links to another host as they are', () => {
    expect(resolveHref('https://g6goyz4w56.execute-api.us-west-2.amazonaws.com/prod/search', 'https://stac.astrogeology.usgs.gov/api/')).toBe(
      'https://g6goyz4w56.execute-api.us-west-2.amazonaws.com/prod/search',
    );
  });
});
