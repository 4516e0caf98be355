/**
 * Reads a child's V8 --trace-gc output: the heap at its highest between the last two explicit collections
 * (`gc()`, marked `testing`), over the heap after the first of them, in bytes. With --max-semi-space-size=1
 * this is what the code between them holds, not how much garbage V8 let pile up.
 */

// `[pid:isolate]  123 ms: Scavenge 12.3 (14.0) -> 11.1 (15.0) MB, … allocation failure;` (`testing`: gc()).
const GC_LINE = /: (?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)\S* ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB.*/;
const MB = 1024 * 1024;

export function heapGrowthBetweenMarks(trace: string): number {
  const collections = trace.split('\n').map((line) => ({ line, gc: GC_LINE.exec(line) })).filter((c) => c.gc !== null);
  const marks = collections.flatMap((c, i) => (/ testing[;,]/.test(c.line) ? [i] : []));
  if (marks.length < 3) throw new Error(`expected at least 3 explicit collections in the trace, found ${marks.length}`);
  const [start, end] = marks.slice(-2);
  const baseline = Number(collections[start]!.gc?.[2]);
  const peak = Math.max(...collections.slice(start + 1, end + 1).map((c) => Number(c.gc?.[1])));
  return (peak - baseline) * MB;
}
