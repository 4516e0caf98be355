import { formatBytes } from '../http/limits.js';
import { terminalText } from '../util/terminal-text.js';
import type { DryRunPlan, PlanIssue, PlannedSearch, PlannedStep } from './dry-run-types.js';

/**
 * The dry run's plan in words, for stdout. Ids, titles and messages come from the file and the API: each line
 * is escaped (src/util/terminal-text.ts), so no control character reaches the terminal raw.
 */
export function dryRunText(plan: DryRunPlan): string {
  const lines: string[] = [`${plan.pipeline}: dry run of ${plan.file} (nothing is written)`];
  if (plan.shard) lines.push(shardText(plan.shard));
  if (plan.api) {
    lines.push(`api: ${plan.api.url}${plan.api.title ? ` (${plan.api.title})` : ''}, ${plan.api.classes} conformance classes from ${plan.api.conformance === 'none' ? 'nowhere' : `its ${plan.api.conformance}`}`);
  } else {
    lines.push(`source: ${plan.source} (no STAC API to ask: items are read when the run starts)`);
  }
  if (plan.collections.length > 0) {
    lines.push('collections:');
    for (const c of plan.collections) lines.push(`  ${c.id}: ${collectionState(c)}`);
  }
  if (plan.searches.length > 0) {
    lines.push(`searches (${plan.searches[0].method}):`);
    for (const s of plan.searches) lines.push(...searchLines(s));
    if (plan.searches.length > 1) lines.push(`  in all: ${things(plan.items.planned, 'item')} to read`);
  }
  if (plan.steps.length > 0) {
    lines.push('steps:');
    for (const step of plan.steps) lines.push(`  ${step.label}: ${stepText(step)}`);
  }
  if (plan.outputs.length > 0) {
    lines.push('outputs:');
    for (const o of plan.outputs) lines.push(`  ${o.label}: ${o.path ?? '(no path)'}`);
  }
  lines.push(`report: ${plan.report}`);
  if (plan.state) {
    const held = plan.state.items ? ` holds ${Object.entries(plan.state.items).map(([status, n]) => `${n} ${status.replaceAll('_', ' ')}`).join(', ')}${plan.state.cursor ? `, cursor ${plan.state.cursor}` : ''};` : '';
    lines.push(`state: ${plan.state.path}${held} a run skips ${plan.state.skips}`);
  }
  if (plan.warnings.length > 0) {
    lines.push('warnings:');
    for (const w of plan.warnings) lines.push(`  ${issueText(w)}`);
  }
  if (plan.errors.length > 0) {
    lines.push(`errors (${plan.errors.length}):`);
    for (const e of plan.errors) lines.push(`  ${issueText(e)}`);
    lines.push(`the run would fail: correct ${plan.errors.length === 1 ? 'this' : 'these'} first (exit 2)`);
  } else {
    lines.push('ok: the run could go');
  }
  return `${lines.map(terminalText).join('\n')}\n`;
}

function collectionState(c: DryRunPlan['collections'][number]): string {
  if (c.status === 'unknown') return `UNKNOWN${c.suggestion !== undefined ? ` (did you mean ${c.suggestion}?)` : ''}`;
  if (c.status === 'unchecked') return 'not checked (the API serves no collections)';
  const assets = c.item_assets === null ? 'no item_assets (asset keys not checked)' : `item_assets ${c.item_assets.join(', ')}`;
  return `found${c.title ? `, "${c.title}"` : ''}; ${assets}`;
}

function searchLines(s: PlannedSearch): string[] {
  const what = s.collections.length === 0 ? 'every collection' : s.collections.join(', ');
  const cap = s.max_items === null ? '' : ` (max_items ${s.max_items})`;
  const head = `  ${what}: ${count(s.matched)} matched → ${things(s.items, 'item')}${cap}`;
  return [head, ...(s.by_collection ?? []).map((c) => `    ${c.collection}: ${count(c.matched)} matched`)];
}

function stepText(step: PlannedStep): string {
  const upTo = step.exact ? '' : 'at most ';
  const parts = [step.does];
  if (step.labels !== undefined) parts.push(`${upTo}${things(step.labels, 'label')} to read`);
  if (step.files !== undefined) {
    const size = step.bytes === undefined ? '' : step.bytes === null
      ? `, size unknown (no item_assets file:size for ${(step.size_unknown ?? []).join(', ') || 'these assets'})`
      : `, ${step.bytes_at_most || !step.exact ? 'at most ' : ''}${formatBytes(step.bytes)} (item_assets file:size)`;
    parts.push(`${upTo}${things(step.files, 'file')}${size}`);
  }
  if (step.writes !== undefined) parts.push(`into ${step.writes}`);
  return parts.join('; ');
}

function shardText(shard: NonNullable<DryRunPlan['shard']>): string {
  const which = `shard ${shard.index}/${shard.count} (${shard.tag}, index from ${shard.from === 'flag' ? '--shard' : shard.from})`;
  return shard.counts === 'whole_search'
    ? `${which}: the counts below are the whole search's, all shards'; this shard keeps about 1/${shard.count} of them (${shard.keeps ?? 'by hash'})`
    : `${which}: the counts below are this shard's window's search (${shard.keeps ?? shard.plan ?? 'plan'})`;
}

const count = (n: number | null): string => (n === null ? '? (the API does not say)' : String(n));

const things = (n: number | null, noun: string): string => (n === null ? `? ${noun}s (unknown before the run)` : `${n} ${noun}${n === 1 ? '' : 's'}`);

const issueText = (issue: PlanIssue): string => (issue.at ? `${issue.at}: ${issue.message}` : issue.message);
