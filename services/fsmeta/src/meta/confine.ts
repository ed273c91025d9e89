import { lookupEdge, subtreePlace } from '../store/confine';
import type { MetaDeps } from './deps';
import { fail } from './errors';
import { ROOT_INODE, TYPE_DIRECTORY } from './types';

/**
 * Subtree confinement, as a JuiceFS mount's --subdir (baseMeta.Chroot): an
 * identity's root is a directory of the volume, and inodes outside it are not
 * its to name.
 */
export class Confinement {
  constructor(private readonly deps: MetaDeps) {}

  /**
   * The directory an absolute path names, walked from the volume root without
   * permission checks (the path comes from the server's configuration, not a
   * caller). Unlike Chroot, a missing directory is not created: ENOENT (an admin
   * creates it; an identity file must not be able to grow the namespace).
   */
  async resolve(path: string): Promise<bigint> {
    let inode = ROOT_INODE;
    for (const part of path.split('/').filter((p) => p !== '')) {
      const found = await lookupEdge(this.deps.db.reader, inode, Buffer.from(part));
      if (found === undefined) fail('ENOENT', `subdir ${path} does not exist`);
      if (found.type !== TYPE_DIRECTORY) fail('ENOTDIR', `subdir ${path} is not a directory`);
      inode = found.inode;
    }
    return inode;
  }

  /** Where `inode` stands relative to the subtree at `root` (see store subtreePlace). */
  place(root: bigint, inode: bigint, sid: bigint): Promise<'tree' | 'open' | 'outside'> {
    if (inode === root) return Promise.resolve('tree');
    return subtreePlace(this.deps.db.reader, root, inode, sid);
  }
}
