import type { Tx } from '../store/db';
import { queueFileRelease } from '../store/chunks';
import { deleteNode, deleteSymlink, lockNodes, updateNode } from '../store/nodes';
import { isOpen } from '../store/sessions';
import { chargeDeleted } from './quotas';
import { TYPE_FILE, TYPE_SYMLINK, spaceOf, type Attr } from './types';

/**
 * The last link of `attr` is gone (its row is locked by the caller). A regular
 * file that any session still has open stays, with nlink 0, until its last
 * Close or its sessions end: fsmeta protects every session's opens, where
 * JuiceFS (doUnlink) protects only the unlinking client's. Anything else is
 * deleted now; a file's data is queued for release.
 */
export async function dropLastLink(tx: Tx, attr: Attr, now: bigint): Promise<void> {
  if (attr.type === TYPE_FILE && (await isOpen(tx, attr.inode))) {
    await updateNode(tx, { ...attr, nlink: 0, ctimeNs: now });
    return;
  }
  await deleteInode(tx, attr);
}

/** Deletes an unlinked inode and gives back its space and inode count (volume, owner's quotas; its entries were uncharged as they went). */
export async function deleteInode(tx: Tx, attr: Attr): Promise<void> {
  await deleteNode(tx, attr.inode);
  if (attr.type === TYPE_SYMLINK) await deleteSymlink(tx, attr.inode);
  if (attr.type === TYPE_FILE) await queueFileRelease(tx, attr.inode);
  await chargeDeleted(tx, attr, spaceOf(attr.type, attr.length));
}

/**
 * After a session stopped holding `inodes` open: every one of them that has no
 * link left and no other session holding it is deleted now (the deferred half
 * of dropLastLink).
 */
export async function releaseUnlinked(tx: Tx, inodes: bigint[]): Promise<void> {
  if (inodes.length === 0) return;
  const rows = await lockNodes(tx, inodes, 'update');
  for (const attr of rows.values()) {
    if (attr.nlink === 0 && !(await isOpen(tx, attr.inode))) await deleteInode(tx, attr);
  }
}
