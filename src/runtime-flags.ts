/**
 * The V8 flags stacflow's processes run with: the bins' shebangs (`#!/usr/bin/env -S node <flags>`, checked
 * against this list by a test) and every place that starts the CLI with `node` itself (the demo, the
 * benchmarks).
 *
 * `--max-semi-space-size=4` (MiB; V8's default grows to 16): stacflow streams pages, labels and object bodies,
 * so nearly everything it allocates dies young, and a young generation of 3 × 16 MiB only delays collecting
 * it. Measured (bench/): a download of 1.8 GB peaks at ~138 MB instead of 144–156 MB at the same MB/s, and
 * 20,000 items through stac_search → csv at ~165 MB instead of ~175 MB, within a few % of the speed.
 */
export const NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=4']);
