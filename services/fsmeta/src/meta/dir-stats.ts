import { dirStatsBuild, dirStatsBuildStep, dirStatsReady, planDirStatsBatch, getDirStat, listChildren, scanSummary, statsSummary, type DirStat, type DirStatsBuild, type Summary } from '../store/dir-stats';
import { getNode } from '../store/nodes';
import type { MetaDeps } from './deps';
import { InvalidArgument, fail } from './errors';
import { Acls } from './acl';
import { MODE_MASK_R, MODE_MASK_X, SPACE_UNIT, TYPE_DIRECTORY, TYPE_FILE, TYPE_SYMLINK, align4K, type FileType, type OpContext } from './types';

export type { DirStat, DirStatsBuild, Summary };

export const MAX_SUMMARY_DEPTH = 10;
/** Entries one build transaction recounts (at least one directory), unless the server is told otherwise (`--dir-stats-batch`). */
export const DEFAULT_BUILD_BATCH = 10_000;
export const DEFAULT_TOP_N = 10;
export const MAX_TOP_N = 1000;
/** The name of the entry the tree form folds the smaller entries of a directory into (as JuiceFS). */
const FOLDED_NAME = Buffer.from('...');

/** One entry of GetSummary's tree form: its own summary and, above the depth limit, its entries'. */
export interface SummaryEntry extends Summary {
  inode: bigint;
  name: Buffer;
  type: FileType;
  children: SummaryEntry[];
}

/** A node that is not a directory: one file (a symlink among them) of its own length and space. */
function leafSummary(type: FileType, length: bigint): Summary {
  const file = type === TYPE_FILE;
  return { length: file ? length : 0n, size: file ? align4K(length) : SPACE_UNIT, files: 1n, dirs: 0n, symlinks: type === TYPE_SYMLINK ? 1n : 0n };
}

/** What is below a directory plus the directory itself (4 KiB, one directory). */
function withDir(below: Summary): Summary {
  return { ...below, size: below.size + SPACE_UNIT, dirs: below.dirs + 1n };
}

/** Directory statistics and summaries (baseMeta.GetDirStat, GetSummary). */
export class DirStats {
  private readonly acl: Acls;

  constructor(private readonly deps: MetaDeps) {
    this.acl = new Acls(deps);
  }

  /** Statistics that may be read: kept and computed (a build in progress leaves readers to the entries). */
  private statsOn(): Promise<boolean> {
    return dirStatsReady(this.deps.db.reader);
  }

  /** The build in progress (dir_stats turned on for a volume with directories), if any. */
  buildProgress(): Promise<DirStatsBuild | undefined> {
    return dirStatsBuild(this.deps.db.reader);
  }

  /**
   * Drives the build for up to `budgetMs` (the background job on every replica): one batch (about
   * `--dir-stats-batch` entries) per transaction, each under the exclusive structure lock, so
   * mutations wait for one batch at a time, never for the whole volume. Replicas take turns on the
   * build row. Returns how many directories this call computed.
   */
  async build(budgetMs: number): Promise<number> {
    const batch = this.deps.options.dirStatsBatch ?? DEFAULT_BUILD_BATCH;
    const started = Date.now();
    let computed = 0;
    for (;;) {
      // Planned with no lock held (the usual case, every job tick: no build, and no exclusive lock
      // taken to find that out); the batch itself is what holds the exclusive lock.
      const plan = await planDirStatsBatch(this.deps.db.reader, batch);
      if (plan === undefined) return computed;
      const step = await this.deps.db.transaction((tx) => dirStatsBuildStep(tx, plan), { structure: () => 'exclusive' });
      if (step === undefined) return computed;
      computed += step.computed;
      if (step.progress === undefined) {
        this.deps.log.info('directory statistics computed');
        return computed;
      }
      if (Date.now() - started >= budgetMs) return computed;
    }
  }

  /**
   * Length, space and inodes of a directory's direct children, exact at commit: the kept statistics,
   * or a scan of the entries on a volume that keeps none.
   */
  async getDirStat(ctx: OpContext, inode: bigint): Promise<DirStat> {
    const node = await getNode(this.deps.db.reader, inode);
    if (node === undefined) fail('ENOENT');
    if (node.type !== TYPE_DIRECTORY) fail('ENOTDIR');
    void ctx;
    if (await this.statsOn()) return getDirStat(this.deps.db.reader, inode);
    const s = await scanSummary(this.deps.db.reader, inode, false);
    return { length: s.length, space: s.size, inodes: s.files + s.dirs };
  }

  /**
   * As `juicefs summary` (baseMeta.GetSummary): the node itself and, for a directory, its children
   * or (recursive) its whole subtree; length and size (4 KiB-aligned) totals, files (everything
   * but directories), directories, and how many of the files are symlinks. With statistics only
   * directories are visited (their statistics count their symlinks too).
   */
  async getSummary(ctx: OpContext, inode: bigint, recursive: boolean): Promise<Summary> {
    const q = this.deps.db.reader;
    const node = await getNode(q, inode);
    if (node === undefined) fail('ENOENT');
    if (node.type !== TYPE_DIRECTORY) return leafSummary(node.type, node.length);
    await this.acl.check(q, ctx.caller, node, MODE_MASK_R | MODE_MASK_X);
    const stats = await this.statsOn();
    const below = stats ? await statsSummary(q, inode, recursive) : await scanSummary(q, inode, recursive);
    return withDir(below);
  }

  /**
   * GetSummary's tree form (baseMeta.GetTreeSummary): the entries of `dir`, each with its recursive
   * summary and, while `depth` lasts, its own entries; per directory the `topN` largest by size,
   * the rest folded into one "..." entry.
   */
  async tree(dir: bigint, depth: number, topN: number): Promise<SummaryEntry[]> {
    if (depth > MAX_SUMMARY_DEPTH) throw new InvalidArgument('depth', `at most ${MAX_SUMMARY_DEPTH}`);
    if (topN > MAX_TOP_N) throw new InvalidArgument('top_n', `at most ${MAX_TOP_N}`);
    if (depth === 0) return [];
    return this.level(dir, depth, topN === 0 ? DEFAULT_TOP_N : topN, await this.statsOn());
  }

  private async level(dir: bigint, depth: number, topN: number, stats: boolean): Promise<SummaryEntry[]> {
    const q = this.deps.db.reader;
    const out: SummaryEntry[] = [];
    for (const e of await listChildren(q, dir)) {
      const type = e.type as FileType;
      if (type !== TYPE_DIRECTORY) {
        out.push({ inode: e.inode, name: e.name, type, ...leafSummary(type, e.length), children: [] });
        continue;
      }
      const below = stats ? await statsSummary(q, e.inode, true) : await scanSummary(q, e.inode, true);
      const children = depth > 1 ? await this.level(e.inode, depth - 1, topN, stats) : [];
      out.push({ inode: e.inode, name: e.name, type, ...withDir(below), children });
    }
    out.sort((a, b) => (a.size > b.size ? -1 : a.size < b.size ? 1 : Buffer.compare(a.name, b.name)));
    if (out.length <= topN) return out;
    const rest = out.slice(topN);
    const folded: SummaryEntry = { inode: 0n, name: FOLDED_NAME, type: TYPE_DIRECTORY, length: 0n, size: 0n, files: 0n, dirs: 0n, symlinks: 0n, children: [] };
    for (const r of rest) {
      folded.length += r.length;
      folded.size += r.size;
      folded.files += r.files;
      folded.dirs += r.dirs;
      folded.symlinks += r.symlinks;
    }
    return [...out.slice(0, topN), folded];
  }
}
