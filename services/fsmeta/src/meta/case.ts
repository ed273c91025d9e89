import type { Tx } from '../store/db';
import { listEdges, lockCaseNames } from '../store/case';
import { getSetting } from '../store/settings';
import type { FileType } from './types';

/**
 * Case-insensitive volumes (Format case_insensitive, fixed at creation), as
 * JuiceFS's CaseInsensi mounts (resolveCase): an exact name is looked up
 * first; on a miss, the directory's entries are compared with Unicode case
 * folding and the first match is the entry. Names keep the case they were
 * created with; a new name that matches an existing one is EEXIST. Names that
 * are not UTF-8 match only exactly.
 */

/** The case-folded form of a UTF-8 name, or undefined for bytes that are not UTF-8. */
export function foldName(name: Buffer): string | undefined {
  const s = name.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(name)) return undefined;
  return s.toUpperCase().toLowerCase();
}

export interface CaseMatch {
  name: Buffer;
  inode: bigint;
  type: FileType;
}

export class CaseFolding {
  /** Case sensitivity never changes once the volume exists, so the first answer is kept. */
  private known?: boolean;

  /** Read through `q`: inside a transaction its Tx (a read of its own would need a second connection). */
  async enabled(q: Tx): Promise<boolean> {
    if (this.known !== undefined) return this.known;
    const format = await getSetting<{ caseInsensitive?: boolean }>(q, 'format');
    if (format === undefined) return false;
    this.known = format.caseInsensitive === true;
    return this.known;
  }

  /** An entry of `parent` whose name matches `name` ignoring case, other than `name` itself. */
  async resolve(q: Tx, parent: bigint, name: Buffer): Promise<CaseMatch | undefined> {
    const folded = foldName(name);
    if (folded === undefined) return undefined;
    for (const e of await listEdges(q, parent)) {
      if (!e.name.equals(name) && foldName(e.name) === folded) return e;
    }
    return undefined;
  }

  /** On a case-insensitive volume: the directory's name lock (lockCaseNames). */
  async lock(tx: Tx, parents: bigint[]): Promise<void> {
    if (!(await this.enabled(tx))) return;
    for (const p of [...new Set(parents)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) await lockCaseNames(tx, p);
  }

  /**
   * The name an operation on `name` in `parent` should use: `name` when it
   * exists as given or the volume is case-sensitive, else the stored name of
   * its case-insensitive match (if any).
   */
  async actual(q: Tx, parent: bigint, name: Buffer, exists: (q: Tx, parent: bigint, name: Buffer) => Promise<boolean>): Promise<Buffer> {
    if (!(await this.enabled(q)) || (await exists(q, parent, name))) return name;
    return (await this.resolve(q, parent, name))?.name ?? name;
  }
}
