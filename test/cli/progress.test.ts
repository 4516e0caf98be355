import { shortNames } from '../../src/cli/progress.js';

test('progress shows the part of collection ids that differs', () => {
  expect(
    shortNames([
      'kaguya_terrain_camera_stereoscopic_uncontrolled_observations',
      'kaguya_terrain_camera_spsupport_uncontrolled_observations',
      'kaguya_terrain_camera_monoscopic_uncontrolled_observations',
    ]),
  ).toEqual(['stereoscopic', 'spsupport', 'monoscopic']);
  expect(shortNames(['a_b', 'a_b_c'])).toEqual(['b', 'b_c']);
  expect(shortNames(['only_one'])).toEqual(['only_one']);
});
