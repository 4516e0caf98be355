import { Period } from './values.js';

/**
 * The temporal functions of CQL2 (OGC 21-065r2, 7.9: Allen's relations) on Periods; an instant is a
 * Period whose start equals its end, `..` an infinite end. Names are CQL2 JSON's.
 */
export const TEMPORAL_RELATIONS: Readonly<Record<string, (a: Period, b: Period) => boolean>> = {
  t_after: (a, b) => a.start > b.end,
  t_before: (a, b) => a.end < b.start,
  t_contains: (a, b) => a.start < b.start && a.end > b.end,
  t_disjoint: (a, b) => a.end < b.start || a.start > b.end,
  t_during: (a, b) => a.start > b.start && a.end < b.end,
  t_equals: (a, b) => a.start === b.start && a.end === b.end,
  t_finishedBy: (a, b) => a.start < b.start && a.end === b.end,
  t_finishes: (a, b) => a.start > b.start && a.end === b.end,
  t_intersects: (a, b) => a.start <= b.end && a.end >= b.start,
  t_meets: (a, b) => a.end === b.start,
  t_metBy: (a, b) => a.start === b.end,
  t_overlappedBy: (a, b) => a.start > b.start && a.start < b.end && a.end > b.end,
  t_overlaps: (a, b) => a.start < b.start && a.end > b.start && a.end < b.end,
  t_startedBy: (a, b) => a.start === b.start && a.end > b.end,
  t_starts: (a, b) => a.start === b.start && a.end < b.end,
};
