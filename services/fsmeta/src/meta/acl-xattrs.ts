import { lockNodes, updateNode } from '../store/nodes';
import { setNodeAcls } from '../store/acl';
import { getSetting } from '../store/settings';
import { ACL_ACCESS_XATTR, ACL_DEFAULT_XATTR, ACL_NONE, Acls, decodeAclXattr, encodeAclXattr, isMinimal, ruleMode, type AclKind } from './acl';
import type { MetaDeps } from './deps';
import { fail } from './errors';
import { mutate } from './mutation';
import { inGroup, trusted } from './perm';
import { FLAG_APPEND, FLAG_IMMUTABLE, S_ISGID, TYPE_DIRECTORY, nowNs, type Attr, type OpContext } from './types';

/** Which ACL an xattr name is, if any. */
export function aclKind(name: Buffer): AclKind | undefined {
  if (name.equals(ACL_ACCESS_XATTR)) return 'access';
  if (name.equals(ACL_DEFAULT_XATTR)) return 'default';
  return undefined;
}

const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;

/**
 * The system.posix_acl_access / system.posix_acl_default xattrs (JuiceFS
 * GetFacl / SetFacl through the VFS, Linux posix_acl_xattr_get/set):
 * ENOTSUP unless the volume has enable_acl; ENODATA for no ACL of that kind;
 * setting or removing needs the owner or root (EPERM), an inode neither
 * immutable nor append-only (EPERM) and, to set a default ACL, a directory
 * (EACCES; removing a non-directory's default ACL does nothing, as Linux).
 */
export class AclXattrs {
  private readonly acl: Acls;

  constructor(private readonly deps: MetaDeps) {
    this.acl = new Acls(deps);
  }

  private async requireEnabled(): Promise<void> {
    const format = await getSetting<{ enableAcl?: boolean }>(this.deps.db.reader, 'format');
    if (format?.enableAcl !== true) fail('ENOTSUP', 'ACLs are off on this volume (Format enable_acl)');
  }

  async get(attr: Attr, kind: AclKind): Promise<Buffer> {
    await this.requireEnabled();
    const id = (kind === 'access' ? attr.accessAcl : attr.defaultAcl) ?? ACL_NONE;
    if (id === ACL_NONE) fail('ENODATA');
    return encodeAclXattr(await this.acl.rule(this.deps.db.reader, id));
  }

  /** The ACL names ListXattr adds for an inode (JuiceFS setXAttrACL). */
  names(attr: Attr): Buffer[] {
    const out: Buffer[] = [];
    if (attr.accessAcl !== undefined) out.push(ACL_ACCESS_XATTR);
    if (attr.defaultAcl !== undefined) out.push(ACL_DEFAULT_XATTR);
    return out;
  }

  /**
   * Sets (or, with `value` undefined or a header without entries, removes) an
   * ACL. A minimal access ACL is no ACL: the mode takes its bits. A real one
   * sets the mode's group bits to its mask. The caller loses setgid unless in
   * the file's group (posix_acl_update_mode). ctime = now.
   */
  async set(ctx: OpContext, inode: bigint, kind: AclKind, value: Buffer | undefined, flags: number): Promise<void> {
    await this.requireEnabled();
    const rule = value === undefined ? undefined : decodeAclXattr(value);
    await mutate(this.deps.db, ctx, async (tx) => {
      const cur = (await lockNodes(tx, [inode], 'update')).get(inode);
      if (cur === undefined) fail('ENOENT');
      if (!trusted(ctx.caller) && ctx.caller.uid !== cur.uid) fail('EPERM', 'only the owner may change ACLs');
      if ((cur.flags & (FLAG_IMMUTABLE | FLAG_APPEND)) !== 0) fail('EPERM');
      if (kind === 'default' && cur.type !== TYPE_DIRECTORY) {
        // As set_posix_acl: a default ACL on a non-directory is EACCES; removing one is a no-op.
        if (value !== undefined) fail('EACCES', 'default ACLs are for directories');
        return;
      }
      const had = (kind === 'access' ? cur.accessAcl : cur.defaultAcl) !== undefined;
      if (value === undefined && !had) fail('ENODATA');
      if (flags === XATTR_CREATE && had) fail('EEXIST');
      if (flags === XATTR_REPLACE && !had) fail('ENODATA');
      let { mode } = cur;
      let id = ACL_NONE;
      if (rule !== undefined) {
        if (kind === 'access') {
          mode = (mode & 0o7000) | ruleMode(rule);
          if (!trusted(ctx.caller) && !inGroup(ctx.caller, cur.gid)) mode &= ~S_ISGID;
          if (!isMinimal(rule)) id = await this.acl.save(tx, rule);
        } else {
          id = await this.acl.save(tx, rule);
        }
      }
      const accessAcl = kind === 'access' ? id : (cur.accessAcl ?? ACL_NONE);
      const defaultAcl = kind === 'default' ? id : (cur.defaultAcl ?? ACL_NONE);
      await updateNode(tx, { ...cur, mode, ctimeNs: nowNs() });
      await setNodeAcls(tx, inode, accessAcl, defaultAcl);
    });
  }
}
