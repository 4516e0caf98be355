import { filesFromKeyProblem } from '../../src/rclone/files-from-key.js';

describe('filesFromKeyProblem', () => {
  it('accepts the keys of the USGS hrefs and keys rclone reads as written', () => {
    for (const key of [
      'moon/kaguya/terrain_camera/monoscopic/uncontrolled/TC1S2B0_01_07496N087E3020/TC1S2B0_01_07496N087E3020.tif',
      'a b/c d.tif', // inner spaces are kept
      'x/#1;2.tif', // # and ; only matter at the start of a line
      'ü/日本/e／f/．/～', // checked with rclone 1.60: requested as written
      "it's/\"q\"/star*?[x]/back\\slash/pct%20",
    ]) {
      expect([key, filesFromKeyProblem(key)]).toEqual([key, undefined]);
    }
  });

  it.each([
    ['', /empty/],
    ['a\nb.tif', /control character \(U\+000A\)/],
    ['a\rb.tif', /control character \(U\+000D\)/],
    ['a\tb.tif', /control character \(U\+0009\)/],
    ['a\u007fb', /control character \(U\+007F\)/],
    ['#comment.tif', /starts with "#".*comment/],
    [';comment.tif', /starts with ";".*comment/],
    [' lead.tif', /white space/],
    ['trail.tif\u00a0', /white space/],
    ['\u3000ideographic', /white space/],
    ['/abs.tif', /starts or ends with "\/"/],
    ['folder/', /starts or ends with "\/"/],
    ['a//b.tif', /"\/\/"/],
    ['a/./b.tif', /"\." or "\.\." segment/],
    ['a/../b.tif', /"\." or "\.\." segment/],
    ['a/g\u201bh', /U\+201B/],
    ['a/\ud800.tif', /lone surrogate/],
  ])('refuses %j', (key, reason) => {
    expect(filesFromKeyProblem(key)).toMatch(reason);
  });
});
