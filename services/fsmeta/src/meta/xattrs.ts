import { lockNodes } from '../store/nodes';
import { deleteXattr, getNodeAndXattr, getNodeAndXattrNames, getXattr, putXattr, setXattrFast } from '../store/xattrs';
import type { Tx } from '../store/db';
import type { MetaDeps } from './deps';
import { fail } from './errors';
import { mutate } from './mutation';
import { Acls } from './acl';
import { trusted } from './perm';
import { AclXattrs, aclKind } from './acl-xattrs';
import { FLAG_APPEND, FLAG_IMMUTABLE, MODE_MASK_R, MODE_MASK_W, type Attr, type OpContext } from './types';

export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;
/** Linux limits, as JuiceFS's VFS: names up to 255 bytes (ERANGE), values up to 64 KiB (E2BIG). */
export const MAX_XATTR_NAME_LEN = 255;
export const MAX_XATTR_VALUE_LEN = 65536;

const USER_PREFIX = Buffer.from('user.');
const TRUSTED_PREFIX = Buffer.from('trusted.');

function checkXattrName(name: Buffer): void {
  if (name.length === 0) fail('EINVAL', 'empty attribute name');
  if (name.length > MAX_XATTR_NAME_LEN) fail('ERANGE', 'attribute name too long');
}

function hasPrefix(name: Buffer, prefix: Buffer): boolean {
  return name.subarray(0, prefix.length).equals(prefix);
}

/**
 * Permission to read or change an attribute, by namespace (Linux xattr_permission):
 * user.* follows the file's r/w bits, trusted.* is root's, the others are left
 * to the caller's kernel as JuiceFS does.
 */
async function checkXattrAccess(acl: Acls, q: Tx, ctx: OpContext, attr: Attr, name: Buffer, write: boolean): Promise<void> {
  if (write && (attr.flags & (FLAG_IMMUTABLE | FLAG_APPEND)) !== 0) fail('EPERM');
  if (hasPrefix(name, TRUSTED_PREFIX) && ctx.caller.uid !== 0) fail('EPERM');
  if (hasPrefix(name, USER_PREFIX)) await acl.check(q, ctx.caller, attr, write ? MODE_MASK_W : MODE_MASK_R);
}

/**
 * Extended attributes (doGetXattr / doSetXattr / doListXattr / doRemoveXattr);
 * ENODATA for a missing one. The POSIX ACL names are the inode's ACLs
 * (meta/acl-xattrs.ts), not stored attributes.
 */
export class Xattrs {
  private readonly acl: Acls;
  private readonly aclXattrs: AclXattrs;

  constructor(private readonly deps: MetaDeps) {
    this.acl = new Acls(deps);
    this.aclXattrs = new AclXattrs(deps);
  }

  async get(ctx: OpContext, inode: bigint, name: Buffer): Promise<Buffer> {
    checkXattrName(name);
    const q = this.deps.db.reader;
    const kind = aclKind(name);
    const found = await getNodeAndXattr(q, inode, name);
    if (found === undefined) fail('ENOENT');
    const { attr, value } = found;
    if (kind !== undefined) return this.aclXattrs.get(attr, kind);
    await checkXattrAccess(this.acl, q, ctx, attr, name, false);
    if (value === undefined) fail('ENODATA');
    return value;
  }

  async list(ctx: OpContext, inode: bigint): Promise<Buffer[]> {
    void ctx;
    const q = this.deps.db.reader;
    const found = await getNodeAndXattrNames(q, inode);
    if (found === undefined) fail('ENOENT');
    return [...found.names, ...this.aclXattrs.names(found.attr)];
  }

  set(ctx: OpContext, inode: bigint, name: Buffer, value: Buffer, flags: number): Promise<void> {
    checkXattrName(name);
    if (value.length > MAX_XATTR_VALUE_LEN) fail('E2BIG');
    if (flags !== 0 && flags !== XATTR_CREATE && flags !== XATTR_REPLACE) fail('EINVAL', 'bad xattr flags');
    const kind = aclKind(name);
    if (kind !== undefined) return this.aclXattrs.set(ctx, inode, kind, value, flags);
    const root = ctx.caller.uid === 0;
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      if (tx.fast && (root || !hasPrefix(name, TRUSTED_PREFIX))) {
        // The plain case in one round trip; anything else declines to the checks below.
        const fast = {
          inode, name, value, flags, checkWrite: hasPrefix(name, USER_PREFIX), trusted: trusted(ctx.caller), uid: ctx.caller.uid,
          gids: [ctx.caller.gid, ...ctx.caller.gids], refuseFlags: FLAG_IMMUTABLE | FLAG_APPEND,
        };
        scope.logged(await setXattrFast(tx, fast, scope.log(undefined)));
        return;
      }
      const attr = (await lockNodes(tx, [inode], 'key share')).get(inode);
      if (attr === undefined) fail('ENOENT');
      await checkXattrAccess(this.acl, tx, ctx, attr, name, true);
      const current = await getXattr(tx, inode, name);
      if (flags === XATTR_CREATE && current !== undefined) fail('EEXIST');
      if (flags === XATTR_REPLACE && current === undefined) fail('ENODATA');
      if (current === undefined || !current.equals(value)) await putXattr(tx, inode, name, value);
    });
  }

  remove(ctx: OpContext, inode: bigint, name: Buffer): Promise<void> {
    checkXattrName(name);
    const kind = aclKind(name);
    if (kind !== undefined) return this.aclXattrs.set(ctx, inode, kind, undefined, 0);
    return mutate(this.deps.db, ctx, async (tx) => {
      const attr = (await lockNodes(tx, [inode], 'key share')).get(inode);
      if (attr === undefined) fail('ENOENT');
      await checkXattrAccess(this.acl, tx, ctx, attr, name, true);
      if (!(await deleteXattr(tx, inode, name))) fail('ENODATA');
    });
  }
}
