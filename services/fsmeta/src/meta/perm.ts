import { FsError } from './errors';
import type { Attr, Caller } from './types';

/** POSIX permission checks by mode bits, as JuiceFS baseMeta.Access; meta/acl.ts adds the ACL on top. */

export function inGroup(caller: Caller, gid: number): boolean {
  return caller.gid === gid || caller.gids.includes(gid);
}

/** The rwx bits (0-7) the caller has on the inode. */
export function accessBits(caller: Caller, attr: Attr): number {
  if (caller.uid === 0) return 7;
  if (caller.uid === attr.uid) return (attr.mode >> 6) & 7;
  if (inGroup(caller, attr.gid)) return (attr.mode >> 3) & 7;
  return attr.mode & 7;
}

/** Whether permission checks pass without looking: root, or a kernel that checked already (baseMeta.Access). */
export function trusted(caller: Caller): boolean {
  return caller.uid === 0 || caller.permissionsChecked === true;
}

/** EACCES unless the caller has every bit of `mask` (root always passes, as in JuiceFS). */
export function checkAccess(caller: Caller, attr: Attr, mask: number): void {
  if (trusted(caller)) return;
  if ((accessBits(caller, attr) & mask) !== mask) throw new FsError('EACCES');
}

export function hasAccess(caller: Caller, attr: Attr, mask: number): boolean {
  return trusted(caller) || (accessBits(caller, attr) & mask) === mask;
}

/**
 * The sticky-bit rule for removing or renaming `entry` out of `dir`: a
 * non-root caller must own the directory or the entry.
 */
export function checkSticky(caller: Caller, dir: Attr, entry: Attr): void {
  if (caller.uid === 0 || (dir.mode & 0o1000) === 0) return;
  if (caller.uid !== dir.uid && caller.uid !== entry.uid) throw new FsError('EACCES');
}
