/** Collection ids share long prefixes and suffixes (kaguya_terrain_camera_…_uncontrolled_observations): show what differs. */
export function shortNames(ids: string[]): string[] {
  if (ids.length < 2) return ids;
  const parts = ids.map((id) => id.split('_'));
  let head = 0;
  while (parts.every((p) => head < p.length - 1 && p[head] === parts[0][head])) head++;
  let tail = 0;
  while (parts.every((p) => tail < p.length - head - 1 && p[p.length - 1 - tail] === parts[0][parts[0].length - 1 - tail])) tail++;
  return parts.map((p) => p.slice(head, p.length - tail).join('_'));
}
