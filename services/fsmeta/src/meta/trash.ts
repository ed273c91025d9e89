import { quiet, type Tx } from '../store/db';
import { deleteEdge, deleteNode, getNode, insertNode, touchDir, updateNode } from '../store/nodes';
import { charge, dropDirAccounting } from '../store/quotas';
import { releaseDelayedDeletions } from '../store/chunks';
import { getSetting } from '../store/settings';
import { edgeExists, ensureHourDir, getTrashState, listHourDirs, lockTrashLeaves, removeEmptyHourDir, type TrashLeaf, type TrashState } from '../store/trash';
import type { MetaDeps } from './deps';
import { fail } from './errors';
import { chargeDeleted } from './quotas';
import { dropLastLink } from './release';
import { DIR_LENGTH, MAX_NAME_LEN, ROOT_INODE, SPACE_UNIT, TYPE_DIRECTORY, TYPE_FILE, nowNs, spaceOf, symlinkCount, type Attr, type Caller, type OpContext } from './types';

/**
 * The trash, as JuiceFS (base.go checkTrash / trashEntry / doCleanupTrash):
 * with Format trash_days > 0, the last unlink of a file, an rmdir and a
 * rename that replaces a target move the inode to
 * `/.trash/<YYYY-MM-DD-HH>/<parent>-<inode>-<name>` (hour in UTC) instead of
 * deleting it; its space and inode still count. The trash root is inode
 * TRASH_INODE (JuiceFS TrashInode), reachable only as ".trash" in the root
 * (it is no entry of the root), read-only and for root only; hour
 * directories are TRASH_INODE + n. An expiry job deletes hour directories
 * older than trash_days (+2 h, as JuiceFS) for good.
 */

/** A trash state read ahead for one hour (Trash.early). */
export interface EarlyTrashState {
  hour: Buffer;
  state: Promise<TrashState>;
}

export const TRASH_INODE = 0x7fff_ffff_1000_0000n;
export const TRASH_NAME = Buffer.from('.trash');
/** Rename flag: move an entry out of the trash (JuiceFS RenameRestore, used with RENAME_NOREPLACE). */
export const RENAME_RESTORE = 32;
/** Inode flag: removals bypass the trash; inherited by entries created in a directory that has it (JuiceFS FlagSkipTrash). */
export const FLAG_SKIP_TRASH = 32;
/** JuiceFS keeps hour directories 2 hours past trash_days before purging them. */
const EXPIRY_SLACK_NS = 2n * 3600n * 1_000_000_000n;
const DAY_NS = 86_400n * 1_000_000_000n;
const HOUR_NAME = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})$/;
const TRASH_MODE = 0o555;

/** The trash root or one of its hour directories (JuiceFS Ino.IsTrash). */
export function isTrashDir(inode: bigint): boolean {
  return inode >= TRASH_INODE;
}

/** A node whose directory is an hour directory: it sits in the trash (JuiceFS `Parent > TrashInode`). */
export function inTrash(attr: Attr): boolean {
  return attr.parent > TRASH_INODE;
}

/** The hour directory name for a time, in UTC: YYYY-MM-DD-HH. */
export function hourName(ns: bigint): Buffer {
  const d = new Date(Number(ns / 1_000_000n));
  const p = (n: number) => String(n).padStart(2, '0');
  return Buffer.from(`${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}`);
}

/** The start of an hour directory's hour in ns, or undefined for a name that is not one. */
export function hourStartNs(name: Buffer): bigint | undefined {
  const m = HOUR_NAME.exec(name.toString('latin1'));
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
}

/** `<parent>-<inode>-<name>`, cut to 255 bytes (JuiceFS trashEntry). */
export function trashEntryName(parent: bigint, inode: bigint, name: Buffer): Buffer {
  const full = Buffer.concat([Buffer.from(`${parent}-${inode}-`), name]);
  return full.length > MAX_NAME_LEN ? full.subarray(0, MAX_NAME_LEN) : full;
}

/** The original parent, inode and name of a trash entry, or undefined for a name not of that form. */
export function parseTrashEntry(name: Buffer): { parent: bigint; inode: bigint; name: Buffer } | undefined {
  const a = name.indexOf(0x2d);
  const b = a < 0 ? -1 : name.indexOf(0x2d, a + 1);
  if (a <= 0 || b <= a + 1 || b + 1 >= name.length) return undefined;
  const digits = (s: Buffer) => /^\d+$/.test(s.toString('latin1'));
  const p = name.subarray(0, a);
  const i = name.subarray(a + 1, b);
  if (!digits(p) || !digits(i)) return undefined;
  return { parent: BigInt(p.toString('latin1')), inode: BigInt(i.toString('latin1')), name: name.subarray(b + 1) };
}

/** The trash is root's: EACCES for anyone else looking into it. */
export function checkTrashReader(caller: Caller, dir: bigint): void {
  if (isTrashDir(dir) && caller.uid !== 0) fail('EACCES', 'the trash is root only');
}

/** Where a removed entry goes instead of being deleted. */
export interface TrashPlace {
  hour: bigint;
  name: Buffer;
}

/** The trash root directory's attributes (Format creates it when trash_days > 0; kept when the trash is turned off). */
export async function ensureTrashRoot(tx: Tx): Promise<void> {
  if ((await getNode(tx, TRASH_INODE)) !== undefined) return;
  const now = nowNs();
  await insertNode(tx, {
    inode: TRASH_INODE, type: TYPE_DIRECTORY, flags: 0, mode: TRASH_MODE, uid: 0, gid: 0, rdev: 0,
    atimeNs: now, mtimeNs: now, ctimeNs: now, nlink: 2, length: DIR_LENGTH, parent: ROOT_INODE,
  });
}

export class Trash {
  constructor(private readonly deps: MetaDeps) {}

  /**
   * Where `node`, the entry `name` of `parent`, goes when removed: an hour
   * directory (created on demand) and its trash name, or undefined when it is
   * deleted for good: trash off, the session or the node skips it, the entry
   * is already in the trash, or (a hard link trashed before) its trash name is
   * taken, as doUnlink.
   */
  async placeFor(tx: Tx, ctx: OpContext, parent: Attr, node: Attr, name: Buffer, now: bigint, early?: EarlyTrashState): Promise<TrashPlace | undefined> {
    if (isTrashDir(parent.inode) || inTrash(parent) || (node.flags & FLAG_SKIP_TRASH) !== 0) return undefined;
    const hourDir = hourName(now);
    const state = early !== undefined && early.hour.equals(hourDir) ? await early.state : await getTrashState(tx, TRASH_INODE, ctx.sessionId, hourDir);
    if (state.days <= 0 || state.skip) return undefined;
    const hour = state.hour ?? (await ensureHourDir(tx, TRASH_INODE, hourDir, now));
    const entry = trashEntryName(parent.inode, node.inode, name);
    if (await edgeExists(tx, hour, entry)) return undefined;
    return { hour, name: entry };
  }

  /**
   * The trash state placeFor will read, sent now (by a removal right behind
   * its row locks, so in their round trip where the transaction pipelines)
   * for the hour of `now`. Harmless when not used: a read, and the hour
   * directory's shared advisory lock, which only expiry takes exclusively.
   */
  early(tx: Tx, ctx: OpContext, now: bigint): EarlyTrashState {
    const hour = hourName(now);
    return { hour, state: quiet(getTrashState(tx, TRASH_INODE, ctx.sessionId, hour)) };
  }

  /** The expiry job's batch: trash older than trash_days (+2 h). Nothing while the volume has no trash. */
  async expire(limit: number): Promise<number> {
    const format = await getSetting<{ trashDays?: number }>(this.deps.db.reader, 'format');
    if (format === undefined) return 0;
    const days = BigInt(format.trashDays ?? 0);
    const removed = await this.removeBefore(nowNs() - days * DAY_NS - EXPIRY_SLACK_NS, limit);
    // Slices compaction replaced wait as long as the trash keeps files: no longer than it now does.
    const released = await this.deps.db.transaction((tx) => releaseDelayedDeletions(tx, Number(days)));
    return removed + released;
  }

  /** CleanupTrash: every hour directory that started before `beforeNs`, batch by batch. Root only. */
  async cleanup(ctx: OpContext, beforeNs: bigint, batch: number): Promise<number> {
    if (ctx.caller.uid !== 0) fail('EPERM', 'the trash is root only');
    let total = 0;
    for (;;) {
      const n = await this.removeBefore(beforeNs, batch);
      total += n;
      if (n === 0) break;
    }
    // And the slices compaction replaced before then (JuiceFS doCleanupDelayedSlices): their deletion is due now.
    const format = await getSetting<{ trashDays?: number }>(this.deps.db.reader, 'format');
    await this.deps.db.transaction((tx) => releaseDelayedDeletions(tx, format?.trashDays ?? 0, beforeNs));
    return total;
  }

  /**
   * One transaction: up to `limit` entries below expired hour directories are
   * deleted for good (leaves first: files, then emptied directories), then
   * hour directories left empty. Entries are locked FOR UPDATE SKIP LOCKED, so
   * every replica can run this at once on disjoint batches. A file whose last
   * link goes has its data queued for release, like any deleted file; one
   * still open anywhere stays (nlink 0) until its last Close.
   */
  private removeBefore(beforeNs: bigint, limit: number): Promise<number> {
    return this.deps.db.transaction(async (tx) => {
      const hours = (await listHourDirs(tx, TRASH_INODE)).filter((h) => {
        const start = hourStartNs(h.name);
        return start !== undefined && start < beforeNs;
      });
      if (hours.length === 0) return 0;
      const leaves = await lockTrashLeaves(tx, hours.map((h) => h.inode), limit);
      const now = nowNs();
      for (const leaf of leaves) await this.deleteLeaf(tx, leaf, now);
      let removed = leaves.length;
      if (removed < limit) {
        for (const h of hours) if (await removeEmptyHourDir(tx, TRASH_INODE, h.inode)) removed++;
      }
      return removed;
    });
  }

  private async deleteLeaf(tx: Tx, leaf: TrashLeaf, now: bigint): Promise<void> {
    const { attr } = leaf;
    await deleteEdge(tx, leaf.parent, leaf.name);
    // The entry leaves its directory's statistics (nothing in the trash is under a quota).
    const length = attr.type === TYPE_FILE ? attr.length : 0n;
    await charge(tx, { space: 0n, inodes: 0n, dirs: [leaf.parent], dirSpace: -spaceOf(attr.type, attr.length), dirInodes: -1n, dirLength: -length, dirSymlinks: -symlinkCount(attr.type) });
    if (attr.type === TYPE_DIRECTORY) {
      await deleteNode(tx, attr.inode);
      await chargeDeleted(tx, attr, SPACE_UNIT);
      await dropDirAccounting(tx, attr.inode);
      // A directory restored into a trashed directory counted in its nlink; hour directories keep theirs (as JuiceFS).
      if (!isTrashDir(leaf.parent)) await touchDir(tx, leaf.parent, -1, now, 0n);
    } else if (attr.nlink > 1) {
      await updateNode(tx, { ...attr, nlink: attr.nlink - 1, ctimeNs: now });
    } else {
      await dropLastLink(tx, attr, now);
    }
  }
}
