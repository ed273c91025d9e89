import { dirStatsOn, getDirStat, scanSummary, statsSummary, type DirStat, type Summary } from '../store/dir-stats';
import { getNode } from '../store/nodes';
import type { MetaDeps } from './deps';
import { fail } from './errors';
import { Acls } from './acl';
import { MODE_MASK_R, MODE_MASK_X, SPACE_UNIT, TYPE_DIRECTORY, TYPE_FILE, align4K, type OpContext } from './types';

export type { DirStat, Summary };

/** Directory statistics and summaries (baseMeta.GetDirStat, GetSummary). */
export class DirStats {
  private readonly acl: Acls;

  constructor(private readonly deps: MetaDeps) {
    this.acl = new Acls(deps);
  }

  private statsOn(): Promise<boolean> {
    return dirStatsOn(this.deps.db.reader);
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
   * but directories) and directories. With statistics only directories are visited.
   */
  async getSummary(ctx: OpContext, inode: bigint, recursive: boolean): Promise<Summary> {
    const q = this.deps.db.reader;
    const node = await getNode(q, inode);
    if (node === undefined) fail('ENOENT');
    if (node.type !== TYPE_DIRECTORY) {
      const file = node.type === TYPE_FILE;
      return { length: file ? node.length : 0n, size: file ? align4K(node.length) : SPACE_UNIT, files: 1n, dirs: 0n };
    }
    await this.acl.check(q, ctx.caller, node, MODE_MASK_R | MODE_MASK_X);
    const below = (await this.statsOn()) ? await statsSummary(q, inode, recursive) : await scanSummary(q, inode, recursive);
    return { length: below.length, size: below.size + SPACE_UNIT, files: below.files, dirs: below.dirs + 1n };
  }
}
