import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The folders of one bounded run:
 *
 *   <dir>/                  a fresh temp folder: nothing but the three entries below may ever be in it
 *     pipeline.yaml
 *     sentinel/             outside the output root: planted symlinks point here; it must never change
 *       keep.txt, dir/
 *     root/                 the output root and the run's working directory: out/ (CSV, report), data/ (downloads)
 *
 * `outsideProblems()` lists every write the run made outside `root/` (none expected).
 */
export class Workspace {
  private sentinelBefore = '';

  private constructor(readonly dir: string) {}

  static async create(): Promise<Workspace> {
    const ws = new Workspace(await mkdtemp(path.join(tmpdir(), 'stacflow-hostile-')));
    await mkdir(path.join(ws.sentinel, 'dir'), { recursive: true });
    await writeFile(path.join(ws.sentinel, 'keep.txt'), 'sentinel: must never change\n');
    await mkdir(ws.root);
    ws.sentinelBefore = await snapshot(ws.sentinel);
    return ws;
  }

  get root(): string {
    return path.join(this.dir, 'root');
  }
  get sentinel(): string {
    return path.join(this.dir, 'sentinel');
  }
  get pipelineFile(): string {
    return path.join(this.dir, 'pipeline.yaml');
  }
  get reportPath(): string {
    return path.join(this.root, 'out', 'report.json');
  }
  get csvPath(): string {
    return path.join(this.root, 'out', 'hostile.csv');
  }
  /** Where the download step puts an item's image (`to: data/{collection}/{id}/`). */
  imagePath(collection: string, id: string, file: string): string {
    return path.join(this.root, 'data', collection, id, file);
  }

  async writePipeline(yaml: string): Promise<void> {
    await writeFile(this.pipelineFile, yaml);
  }

  /** Writes the run made outside the output root, and symlinks under it that were not planted. */
  async outsideProblems(planted: readonly string[] = []): Promise<string[]> {
    const problems: string[] = [];
    const top = (await readdir(this.dir)).sort();
    if (top.join(',') !== 'pipeline.yaml,root,sentinel') problems.push(`temp folder holds ${JSON.stringify(top)}, expected pipeline.yaml, root, sentinel`);
    const sentinelNow = await snapshot(this.sentinel);
    if (sentinelNow !== this.sentinelBefore) problems.push(`sentinel folder changed:\n${this.sentinelBefore}\n→\n${sentinelNow}`);
    const inRoot = (await readdir(this.root)).filter((name) => name !== 'out' && name !== 'data');
    if (inRoot.length > 0) problems.push(`output root holds unexpected ${JSON.stringify(inRoot)}`);
    for (const link of await symlinksUnder(this.root)) {
      if (!planted.includes(link)) problems.push(`symlink under the output root that was not planted: ${link}`);
    }
    return problems;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Names, types, sizes, modes, times and content hashes of everything under `dir`, one line each. */
async function snapshot(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const name of (await readdir(at)).sort()) {
      const full = path.join(at, name);
      const stat = await lstat(full);
      const rel = path.relative(dir, full);
      if (stat.isDirectory()) {
        lines.push(`${rel}/ ${stat.mode.toString(8)} ${stat.mtimeMs}`);
        await walk(full);
      } else if (stat.isSymbolicLink()) {
        lines.push(`${rel} -> ${await readlink(full)}`);
      } else {
        const hash = createHash('sha256').update(await readFile(full)).digest('hex').slice(0, 16);
        lines.push(`${rel} ${stat.size} ${stat.mode.toString(8)} ${stat.mtimeMs} ${hash}`);
      }
    }
  };
  await walk(dir);
  return lines.join('\n');
}

async function symlinksUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (at: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(at);
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(at, name);
      const stat = await lstat(full);
      if (stat.isSymbolicLink()) found.push(full);
      else if (stat.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  return found;
}
