import { describeCounts, shortNames } from '../../src/cli/progress.js';

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

test('progress escapes control characters in collection ids before they reach the terminal', () => {
  const text = describeCounts({ in: 0, out: 3, failed: 0, dropped: 0, counters: { 'items:evil_\u001b[2J_a': 1, 'items:evil_b': 2, pages: 1 }, startedAt: Date.now() - 1000 }, true);
  expect(text).toContain('\\x1b[2J_a 1');
  expect(text).not.toContain('\u001b');
});
