/** How an item ended, as the HTML report colours it. The index is what the collector stores per item. */
export const OUTCOMES = ['kept', 'filtered', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What the page calls each outcome. */
export const OUTCOME_LABELS: Readonly<Record<Outcome, string>> = { kept: 'kept', filtered: 'filtered out', failed: 'failed' };
