import { quiet, type Tx } from '../store/db';
import {
  deleteEdge,
  deleteNode,
  edgeParents,
  getEdge,
  getNode,
  getParentAndChild,
  getNodeAndTarget,
  hasChildren,
  insertEdge,
  insertEntry,
  lockParentForCreate,
  lockParentOnly,
  insertEntryFast,
  linkFast,
  setModeFast,
  moveEntry,
  readDirPage,
  lockEntry,
  lockEntrySent,
  removeEntry,
  lockRename,
  lockRenameSent,
  renameFast,
  lockMixed,
  lockNodes,
  setEdgeTarget,
  touchDir,
  removeEntryFast,
  type FastRemoval,
  updateNode,
  updateNodeLogged,
} from '../store/nodes';
import { charge, chargeOwnerChange, dropDirAccounting, moveAccounting } from '../store/quotas';
import { addOpen } from '../store/sessions';
import { touchAtime } from './atime';
import type { MetaDeps } from './deps';
import { FsError, InvalidArgument, fail } from './errors';
import { mutate, type MutationScope } from './mutation';
import { DOT, DOTDOT, checkEntryName, checkName, checkSymlinkTarget, isDotOrDotDot } from './names';
import { Acls } from './acl';
import { checkSticky, inGroup, trusted } from './perm';
import { chargeDeleted } from './quotas';
import { dropLastLink } from './release';
import { edgeExists, listEntries, moveToTrash, trashVictim } from '../store/trash';
import { CaseFolding } from './case';
import { setNodeAcls } from '../store/acl';
import {
  FLAG_SKIP_TRASH,
  RENAME_RESTORE,
  TRASH_INODE,
  TRASH_NAME,
  Trash,
  checkTrashReader,
  type EarlyTrashState,
  inTrash,
  isTrashDir,
  parseTrashEntry,
} from './trash';
import {
  DIR_LENGTH,
  FLAG_APPEND,
  FLAG_IMMUTABLE,
  MODE_MASK_R,
  MODE_MASK_W,
  MODE_MASK_X,
  ROOT_INODE,
  SPACE_UNIT,
  S_ISGID,
  S_ISUID,
  S_ISVTX,
  TYPE_DIRECTORY,
  TYPE_FILE,
  TYPE_SYMLINK,
  nowNs,
  spaceOf,
  symlinkCount,
  type Attr,
  type Entry,
  type FileType,
  type OpContext,
} from './types';

export const SET_ATTR_MODE = 1;
export const SET_ATTR_UID = 2;
export const SET_ATTR_GID = 4;
export const SET_ATTR_ATIME = 16;
export const SET_ATTR_MTIME = 32;
export const SET_ATTR_ATIME_NOW = 128;
export const SET_ATTR_MTIME_NOW = 256;
export const SET_ATTR_FLAG = 1 << 15;
const SET_ATTR_KNOWN =
  SET_ATTR_MODE | SET_ATTR_UID | SET_ATTR_GID | SET_ATTR_ATIME | SET_ATTR_MTIME | SET_ATTR_ATIME_NOW | SET_ATTR_MTIME_NOW | SET_ATTR_FLAG;

export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;
export const RENAME_WHITEOUT = 4;

export const O_ACCMODE = 3;
export const O_EXCL = 0x80;

/** Entries RestoreTrash moves back per call. */
export const RESTORE_LIMIT = 10_000;

export interface SetAttrRequest {
  set: number;
  mode: number;
  uid: number;
  gid: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  flags: number;
}

export interface ReaddirPage {
  entries: Entry[];
  nextCursor: Buffer;
  eof: boolean;
}

/** Cursor byte marking a page boundary after "." and ".." (followed by the last name returned). */
const CURSOR_AFTER = 0x01;

/** As baseMeta: the name ".trash" in the root is reserved for the trash (EPERM), whether or not the trash is on. */
function checkNotTrash(parent: bigint, name: Buffer): void {
  if (parent === ROOT_INODE && name.equals(TRASH_NAME)) fail('EPERM', '.trash is reserved');
}

function isDir(a: Attr): boolean {
  return a.type === TYPE_DIRECTORY;
}

function protectedFlags(a: Attr): boolean {
  return (a.flags & (FLAG_IMMUTABLE | FLAG_APPEND)) !== 0;
}

/** A directory usable as a parent: ENOENT if gone, ENOTDIR if not a directory. */
function requireDir(a: Attr | undefined): Attr {
  if (a === undefined) fail('ENOENT');
  if (!isDir(a)) fail('ENOTDIR');
  return a;
}

/** A directory new entries may go into: EPERM in the trash itself, ENOENT in a directory that sits in the trash (as doMknod / doLink). */
function checkNotInTrash(parent: Attr): void {
  if (isTrashDir(parent.inode)) fail('EPERM', 'the trash is read-only');
  if (inTrash(parent)) fail('ENOENT');
}

/** The namespace: lookup, attributes and every entry-changing operation, at JuiceFS baseMeta parity. */
export class Namespace {
  private readonly trash: Trash;
  private readonly acl: Acls;
  private readonly casing: CaseFolding;

  constructor(private readonly deps: MetaDeps) {
    this.trash = new Trash(deps);
    this.acl = new Acls(deps);
    this.casing = new CaseFolding();
  }

  private get skipNs(): bigint {
    return this.deps.options.skipDirMtimeNs;
  }

  async lookup(ctx: OpContext, parent: bigint, name: Buffer): Promise<Attr> {
    checkEntryName(name);
    const q = this.deps.db.reader;
    if (isDotOrDotDot(name)) {
      const dir = await getNode(q, parent);
      if (dir === undefined) fail('ENOENT');
      await this.acl.check(q, ctx.caller, dir, MODE_MASK_X);
      if (name.equals(DOT)) return dir;
      if (!isDir(dir)) fail('ENOTDIR');
      if (dir.inode === ROOT_INODE) return dir;
      const up = await getNode(q, dir.parent);
      if (up === undefined) fail('ENOENT');
      return up;
    }
    checkTrashReader(ctx.caller, parent);
    // As baseMeta.Lookup: ".trash" in the root is the trash, which is no entry of the root.
    const trashRoot = parent === ROOT_INODE && name.equals(TRASH_NAME);
    if (trashRoot) checkTrashReader(ctx.caller, TRASH_INODE);
    const found = trashRoot ? { parent: await getNode(q, parent), child: await getNode(q, TRASH_INODE) } : await getParentAndChild(q, parent, name);
    const dir = requireDir(found.parent);
    await this.acl.check(q, ctx.caller, dir, MODE_MASK_X);
    if (found.child === undefined && !trashRoot && (await this.casing.enabled(q))) {
      const match = await this.casing.resolve(q, parent, name);
      if (match !== undefined) found.child = await getNode(q, match.inode);
    }
    if (found.child === undefined) fail('ENOENT');
    return found.child;
  }

  async getAttr(inode: bigint): Promise<Attr> {
    const attr = await getNode(this.deps.db.reader, inode);
    if (attr === undefined) fail('ENOENT');
    return attr;
  }

  async access(ctx: OpContext, inode: bigint, mask: number): Promise<void> {
    if (mask < 0 || mask > 7) throw new InvalidArgument('mask', 'must be a combination of R=4, W=2, X=1');
    await this.acl.check(this.deps.db.reader, ctx.caller, await this.getAttr(inode), mask);
  }

  mknod(ctx: OpContext, parent: bigint, name: Buffer, type: FileType, mode: number, umask: number, rdev: number): Promise<Attr> {
    if (type < 1 || type > 7) fail('EINVAL', 'unknown file type');
    // A symlink needs its target: Symlink, not Mknod.
    if (type === TYPE_SYMLINK) fail('EINVAL', 'create symlinks with Symlink');
    checkNotTrash(parent, name);
    checkName(name);
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      const created = await this.createNode(tx, ctx, parent, name, type, mode, umask, rdev, undefined, false, undefined, scope);
      if (created.existing !== undefined) fail('EEXIST');
      return created.attr;
    });
  }

  mkdir(ctx: OpContext, parent: bigint, name: Buffer, mode: number, umask: number): Promise<Attr> {
    return this.mknod(ctx, parent, name, TYPE_DIRECTORY, mode, umask, 0);
  }

  symlink(ctx: OpContext, parent: bigint, name: Buffer, target: Buffer): Promise<Attr> {
    checkNotTrash(parent, name);
    checkName(name);
    checkSymlinkTarget(target);
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      const created = await this.createNode(tx, ctx, parent, name, TYPE_SYMLINK, 0o777, 0, 0, target, false, undefined, scope);
      if (created.existing !== undefined) fail('EEXIST');
      return created.attr;
    });
  }

  /**
   * As baseMeta.Create: Mknod of a regular file that is then open in the
   * session. Without O_EXCL an existing regular file is opened and returned.
   */
  create(ctx: OpContext, parent: bigint, name: Buffer, mode: number, umask: number, flags: number): Promise<Attr> {
    checkNotTrash(parent, name);
    checkName(name);
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      const exclusive = (flags & O_EXCL) !== 0;
      const created = await this.createNode(tx, ctx, parent, name, TYPE_FILE, mode, umask, 0, undefined, !exclusive, ctx.sessionId, scope);
      if (created.existing === undefined) return created.attr;
      if (exclusive || created.existing.type !== TYPE_FILE) fail('EEXIST');
      await addOpen(tx, ctx.sessionId, created.existing.inode);
      return created.existing;
    });
  }

  /**
   * doMknod, in two statements: lock the parent and check the name, then write
   * everything. The parent is locked FOR UPDATE only when its nlink changes (a
   * new directory); otherwise FOR KEY SHARE, which keeps it from being removed
   * but lets creates in one directory run side by side. With `openExisting`
   * it returns a taken name's node instead of failing, so Create can open it.
   */
  private async createNode(
    tx: Tx,
    ctx: OpContext,
    parentIno: bigint,
    name: Buffer,
    type: FileType,
    mode: number,
    umask: number,
    rdev: number,
    target: Buffer | undefined,
    openExisting = false,
    openBySession?: bigint,
    scope?: MutationScope,
  ): Promise<{ attr: Attr; existing?: Attr }> {
    await this.casing.lock(tx, [parentIno]);
    const strength = type === TYPE_DIRECTORY ? 'update' : 'key share';
    if (scope !== undefined && tx.fast && !isDotOrDotDot(name) && !(await this.casing.enabled(tx))) {
      // The plain case in one round trip: the lock and the whole write sent together; anything else declines to the path below.
      await lockParentOnly(tx, parentIno, strength);
      const now = nowNs();
      const { attr, check } = await insertEntryFast(
        tx,
        {
          parent: parentIno,
          name,
          type,
          mode: mode & 0o7777 & ~umask,
          uid: ctx.caller.uid,
          gid: ctx.caller.gid,
          rdev: type === 5 || type === 6 ? rdev : 0,
          now,
          nlink: type === TYPE_DIRECTORY ? 2 : 1,
          length: type === TYPE_DIRECTORY ? DIR_LENGTH : type === TYPE_SYMLINK ? BigInt(target!.length) : 0n,
          target,
          parentNlinkDelta: type === TYPE_DIRECTORY ? 1 : 0,
          skipNs: this.skipNs,
          openBySession,
          trusted: trusted(ctx.caller),
          gids: [ctx.caller.gid, ...ctx.caller.gids],
          inheritFlags: FLAG_SKIP_TRASH,
          refuseFlags: FLAG_IMMUTABLE,
          trashInode: TRASH_INODE,
          setgidBit: S_ISGID,
          space: SPACE_UNIT,
        },
        scope.logTarget(),
      );
      scope.logged(check);
      if (attr === undefined) throw new Error('fast create committed without its entry');
      return { attr };
    }
    const locked = await lockParentForCreate(tx, parentIno, name, strength);
    // A name that differs only in case from an entry is that entry (case-insensitive volumes).
    if (locked.existing === undefined && locked.parent !== undefined && (await this.casing.enabled(tx))) {
      locked.existing = (await this.casing.resolve(tx, parentIno, name))?.inode;
    }
    const parent = requireDir(locked.parent);
    checkNotInTrash(parent);
    await this.acl.check(tx, ctx.caller, parent, MODE_MASK_W | MODE_MASK_X);
    if ((parent.flags & FLAG_IMMUTABLE) !== 0) fail('EPERM');
    if (isDotOrDotDot(name)) fail('EEXIST');
    if (locked.existing !== undefined) {
      const existing = openExisting ? await getNode(tx, locked.existing) : undefined;
      if (existing === undefined) fail('EEXIST');
      return { attr: existing, existing };
    }
    const now = nowNs();
    let gid = ctx.caller.gid;
    // A directory's default ACL replaces the umask and hands down ACLs (posix_acl_create).
    const inherited = type === TYPE_SYMLINK ? undefined : await this.acl.inherit(tx, parent, type === TYPE_DIRECTORY, mode & 0o7777);
    let newMode = inherited?.mode ?? mode & 0o7777 & ~umask;
    if ((parent.mode & S_ISGID) !== 0) {
      // A setgid directory hands its group down, and its setgid bit to subdirectories.
      gid = parent.gid;
      if (type === TYPE_DIRECTORY) newMode |= S_ISGID;
    }
    if (type !== TYPE_DIRECTORY && (newMode & 0o2010) === 0o2010 && !trusted(ctx.caller) && !inGroup(ctx.caller, gid)) {
      newMode &= ~S_ISGID;
    }
    const attr: Attr = {
      inode: locked.nextInode,
      type,
      flags: parent.flags & FLAG_SKIP_TRASH,
      mode: newMode,
      uid: ctx.caller.uid,
      gid,
      rdev: type === 5 || type === 6 ? rdev : 0,
      atimeNs: now,
      mtimeNs: now,
      ctimeNs: now,
      nlink: type === TYPE_DIRECTORY ? 2 : 1,
      length: type === TYPE_DIRECTORY ? DIR_LENGTH : type === TYPE_SYMLINK ? BigInt(target!.length) : 0n,
      parent: parentIno,
      ...(inherited?.accessAcl ? { accessAcl: inherited.accessAcl } : {}),
      ...(inherited?.defaultAcl ? { defaultAcl: inherited.defaultAcl } : {}),
    };
    const written = await insertEntry(tx, attr, name, target, type === TYPE_DIRECTORY ? 1 : 0, this.skipNs, openBySession, scope?.log(attr, attr.accessAcl === undefined && attr.defaultAcl === undefined));
    // The parent was removed between the lock statement and this one (see lockParentForCreate).
    if (!written.parentFound) fail('ENOENT');
    if (attr.accessAcl !== undefined || attr.defaultAcl !== undefined) await setNodeAcls(tx, attr.inode, attr.accessAcl ?? 0, attr.defaultAcl ?? 0);
    scope?.logged(written.check);
    return { attr };
  }

  async readLink(ctx: OpContext, inode: bigint): Promise<Buffer> {
    const found = await getNodeAndTarget(this.deps.db.reader, inode);
    if (found === undefined) fail('ENOENT');
    const { attr, target } = found;
    if (attr.type !== TYPE_SYMLINK) fail('EINVAL', 'not a symlink');
    if (target === undefined) fail('EIO', 'symlink target missing');
    await touchAtime(this.deps, attr);
    void ctx;
    return target;
  }

  /**
   * As baseMeta.Link + doLink: the name is checked first ("." and ".." EEXIST),
   * then the source (ENOENT; EPERM for a directory), then the destination
   * parent and name. The linked inode's parent becomes 0; parents are derived
   * from edges from then on.
   */
  link(ctx: OpContext, inode: bigint, parentIno: bigint, name: Buffer): Promise<Attr> {
    if (isTrashDir(parentIno)) fail('EPERM', 'the trash is read-only');
    checkNotTrash(parentIno, name);
    checkName(name);
    if (isDotOrDotDot(name)) fail('EEXIST');
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      if (tx.fast && !(await this.casing.enabled(tx))) {
        // The plain case in one round trip: the locks and the whole link sent together; anything else declines to the path below.
        void quiet(lockMixed(tx, [inode], [parentIno]));
        const fast = {
          inode, parent: parentIno, name, now: nowNs(), skipNs: this.skipNs, trusted: trusted(ctx.caller), uid: ctx.caller.uid, gids: [ctx.caller.gid, ...ctx.caller.gids],
          nodeRefuseFlags: FLAG_IMMUTABLE | FLAG_APPEND, dirRefuseFlags: FLAG_IMMUTABLE, trashInode: TRASH_INODE, space: SPACE_UNIT,
        };
        const { attr, check } = await linkFast(tx, fast, scope.logTarget());
        scope.logged(check);
        if (attr === undefined) throw new Error('fast link committed without its node');
        return attr;
      }
      await this.casing.lock(tx, [parentIno]);
      // The entry's check goes right behind the locks (one round trip where the transaction pipelines).
      const locking = quiet(lockMixed(tx, [inode], [parentIno]));
      const taken = quiet(getEdge(tx, parentIno, name));
      const rows = await locking;
      const node = rows.get(inode);
      if (node === undefined) fail('ENOENT');
      if (isDir(node)) fail('EPERM', 'cannot link a directory');
      const parent = requireDir(rows.get(parentIno));
      if (inTrash(parent)) fail('ENOENT');
      await this.acl.check(tx, ctx.caller, parent, MODE_MASK_W | MODE_MASK_X);
      if ((parent.flags & FLAG_IMMUTABLE) !== 0) fail('EPERM');
      if ((await taken) !== undefined) fail('EEXIST');
      if ((await this.casing.enabled(tx)) && (await this.casing.resolve(tx, parentIno, name)) !== undefined) fail('EEXIST');
      if (protectedFlags(node)) fail('EPERM');
      const now = nowNs();
      const attr: Attr = { ...node, parent: 0n, nlink: node.nlink + 1, ctimeNs: now };
      // The new entry counts in the new parent's quotas (EDQUOT when full) and statistics; the volume does not change.
      const length = node.type === TYPE_FILE ? node.length : 0n;
      await charge(tx, { space: 0n, inodes: 0n, dirs: [parentIno], dirSpace: spaceOf(node.type, node.length), dirInodes: 1n, dirLength: length, dirSymlinks: symlinkCount(node.type) });
      await insertEdge(tx, parentIno, name, inode, node.type);
      await updateNode(tx, attr);
      await touchDir(tx, parentIno, 0, now, this.skipNs);
      return attr;
    });
  }

  /** As doUnlink: EPERM, not EISDIR, for a directory. */
  unlink(ctx: OpContext, parentIno: bigint, name: Buffer): Promise<void> {
    checkNotTrash(parentIno, name);
    if (isTrashDir(parentIno) && ctx.caller.uid !== 0) fail('EPERM', 'the trash is root only');
    checkEntryName(name);
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      if (tx.fast && !(await this.casing.enabled(tx))) {
        // The plain case in one round trip: the locks and the whole removal sent together; anything else declines to the path below.
        await lockEntrySent(tx, parentIno, name, [], [parentIno]);
        scope.logged(await removeEntryFast(tx, this.fastRemoval(ctx, parentIno, name, false), scope.log(undefined)));
        return;
      }
      name = await this.casing.actual(tx, parentIno, name, edgeExists);
      const locked = lockEntry(tx, parentIno, name, [], [parentIno]);
      // The trash's state is read right behind the locks (one round trip).
      const early: EarlyTrashState = this.trash.early(tx, ctx, nowNs());
      const { rows, entry, open } = await locked;
      const parent = requireDir(rows.get(parentIno));
      await this.acl.check(tx, ctx.caller, parent, MODE_MASK_W | MODE_MASK_X);
      if (protectedFlags(parent)) fail('EPERM');
      if (entry === undefined) fail('ENOENT');
      if (entry.type === TYPE_DIRECTORY) fail('EPERM', 'is a directory');
      const node = rows.get(entry.inode);
      if (node === undefined) fail('ENOENT');
      checkSticky(ctx.caller, parent, node);
      if (protectedFlags(node)) fail('EPERM');
      const now = nowNs();
      const place = await this.trash.placeFor(tx, ctx, parent, node, name, now, early);
      if (place !== undefined) {
        const move = { parent: parentIno, name, node, hour: place.hour, trashName: place.name, now, parentNlinkDelta: 0, skipNs: this.skipNs };
        scope.logged(await moveToTrash(tx, move, scope.log(undefined)));
        return;
      }
      // The last link of a file open anywhere keeps the inode (nlink 0) until its last Close.
      const keep = node.nlink > 1 || (node.type === TYPE_FILE && open);
      const removal = { parent: parentIno, name, node, keepNlink: keep ? node.nlink - 1 : undefined, now, parentNlinkDelta: 0, skipNs: this.skipNs };
      scope.logged(await removeEntry(tx, removal, spaceOf(node.type, node.length), scope.log(undefined)));
    });
  }

  /** Unlink's or Rmdir's fast statement's side of the checks (store removeEntryFast reads the rest under the locks). */
  private fastRemoval(ctx: OpContext, parent: bigint, name: Buffer, dir: boolean): FastRemoval {
    return {
      parent, name, dir, now: nowNs(), skipNs: this.skipNs, trusted: trusted(ctx.caller), uid: ctx.caller.uid, gids: [ctx.caller.gid, ...ctx.caller.gids],
      refuseFlags: FLAG_IMMUTABLE | FLAG_APPEND, stickyBit: S_ISVTX, trashInode: TRASH_INODE, space: SPACE_UNIT,
    };
  }

  /** Drops one link of a non-directory whose row is locked (a hard-linked file keeps parent 0, as JuiceFS). */
  private async removeLink(tx: Tx, node: Attr, now: bigint): Promise<void> {
    if (node.nlink > 1) {
      await updateNode(tx, { ...node, nlink: node.nlink - 1, ctimeNs: now });
    } else {
      await dropLastLink(tx, node, now);
    }
  }

  rmdir(ctx: OpContext, parentIno: bigint, name: Buffer): Promise<void> {
    if (name.equals(DOT)) fail('EINVAL');
    if (name.equals(DOTDOT)) fail('ENOTEMPTY');
    checkNotTrash(parentIno, name);
    // Hour directories go with expiry (or RestoreTrash), not Rmdir; entries in them are root's (as baseMeta.Rmdir).
    if (parentIno === TRASH_INODE || (isTrashDir(parentIno) && ctx.caller.uid !== 0)) fail('EPERM', 'the trash is root only');
    checkEntryName(name);
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      if (tx.fast && !(await this.casing.enabled(tx))) {
        // As Unlink's: the plain case in one round trip.
        await lockEntrySent(tx, parentIno, name, [parentIno], []);
        scope.logged(await removeEntryFast(tx, this.fastRemoval(ctx, parentIno, name, true), scope.log(undefined)));
        return;
      }
      name = await this.casing.actual(tx, parentIno, name, edgeExists);
      const locked = lockEntry(tx, parentIno, name, [parentIno], []);
      // The trash's state is read right behind the locks (one round trip).
      const early: EarlyTrashState = this.trash.early(tx, ctx, nowNs());
      const { rows, entry, hasChildren } = await locked;
      const parent = requireDir(rows.get(parentIno));
      await this.acl.check(tx, ctx.caller, parent, MODE_MASK_W | MODE_MASK_X);
      if (protectedFlags(parent)) fail('EPERM');
      if (entry === undefined) fail('ENOENT');
      if (entry.type !== TYPE_DIRECTORY) fail('ENOTDIR');
      const node = rows.get(entry.inode);
      if (node === undefined) fail('ENOENT');
      if (hasChildren) fail('ENOTEMPTY');
      checkSticky(ctx.caller, parent, node);
      const now = nowNs();
      // Hour directories' nlink does not count their subdirectories (as doRmdir).
      const parentNlinkDelta = isTrashDir(parentIno) ? 0 : -1;
      const place = await this.trash.placeFor(tx, ctx, parent, node, name, now, early);
      if (place !== undefined) {
        const move = { parent: parentIno, name, node, hour: place.hour, trashName: place.name, now, parentNlinkDelta, skipNs: 0n };
        scope.logged(await moveToTrash(tx, move, scope.log(undefined)));
        return;
      }
      const removal = { parent: parentIno, name, node, now, parentNlinkDelta, skipNs: 0n };
      scope.logged(await removeEntry(tx, removal, SPACE_UNIT, scope.log(undefined)));
    });
  }

  rename(ctx: OpContext, parentSrc: bigint, nameSrc: Buffer, parentDst: bigint, nameDst: Buffer, flags: number): Promise<Attr> {
    if ((flags & RENAME_WHITEOUT) !== 0 && (flags & ~(RENAME_WHITEOUT | RENAME_NOREPLACE)) === 0) fail('ENOTSUP');
    if (flags !== 0 && flags !== RENAME_NOREPLACE && flags !== RENAME_EXCHANGE && flags !== (RENAME_NOREPLACE | RENAME_RESTORE)) {
      fail('EINVAL', 'bad rename flags');
    }
    checkNotTrash(parentSrc, nameSrc);
    checkNotTrash(parentDst, nameDst);
    // Nothing moves into the trash by Rename; only root moves things out of it (as baseMeta.Rename).
    if (isTrashDir(parentDst)) fail('EPERM', 'the trash is read-only');
    if (isTrashDir(parentSrc) && ctx.caller.uid !== 0) fail('EPERM', 'the trash is root only');
    checkEntryName(nameSrc);
    checkName(nameDst);
    // A directory moving between quota trees recounts its subtree under the exclusive structure lock (store/quotas.ts).
    const mode = { exclusive: false };
    const plain = (flags & ~RENAME_NOREPLACE) === 0 && !(parentSrc === parentDst && nameSrc.equals(nameDst));
    return mutate(
      this.deps.db,
      ctx,
      async (tx, scope) => {
        if (plain && tx.fast && !(await this.casing.enabled(tx))) {
          // The plain case in one round trip: the locks and the whole move sent together; anything else declines to the path below.
          await lockRenameSent(tx, parentSrc, nameSrc, parentDst);
          const fast = {
            parentSrc, nameSrc, parentDst, nameDst, now: nowNs(), skipNs: this.skipNs, trusted: trusted(ctx.caller), uid: ctx.caller.uid,
            gids: [ctx.caller.gid, ...ctx.caller.gids], srcRefuseFlags: FLAG_IMMUTABLE | FLAG_APPEND, dstRefuseFlags: FLAG_IMMUTABLE, stickyBit: S_ISVTX,
            trashInode: TRASH_INODE,
          };
          const { attr, check } = await renameFast(tx, fast, scope.logTarget());
          scope.logged(check);
          if (attr === undefined) throw new Error('fast rename committed without its node');
          return attr;
        }
        return this.renameTx(tx, ctx, parentSrc, nameSrc, parentDst, nameDst, flags, scope, mode);
      },
      { structure: () => (mode.exclusive ? 'exclusive' : 'shared') },
    );
  }

  /** Moves an entry's share of quotas and statistics between parents; a recount without the exclusive lock starts over with it. */
  private async moveAccounting(tx: Tx, src: bigint, dst: bigint, moved: bigint, mode: { exclusive: boolean }): Promise<void> {
    if (!(await moveAccounting(tx, src, dst, moved, mode.exclusive))) needExclusive(mode);
  }

  /**
   * As doRename, plus a full ancestor walk: a directory may not move below
   * itself at any depth (JuiceFS checks one level). A rename that moves a
   * directory to another parent first takes the cluster-wide directory-move
   * lock, so no two such renames can each pass the walk and together close a
   * cycle. Then both parents and both entries' nodes are locked FOR UPDATE in
   * one ascending statement.
   */
  private async renameTx(
    tx: Tx,
    ctx: OpContext,
    parentSrc: bigint,
    nameSrc: Buffer,
    parentDst: bigint,
    nameDst: Buffer,
    flags: number,
    scope: MutationScope | undefined,
    mode: { exclusive: boolean },
  ): Promise<Attr> {
    if (await this.casing.enabled(tx)) {
      // Case-insensitive: the names as stored; a destination matching another entry replaces it under its name.
      await this.casing.lock(tx, [parentDst]);
      nameSrc = await this.casing.actual(tx, parentSrc, nameSrc, edgeExists);
      const match = (await edgeExists(tx, parentDst, nameDst)) ? undefined : await this.casing.resolve(tx, parentDst, nameDst);
      if (match !== undefined && !(parentSrc === parentDst && match.name.equals(nameSrc))) nameDst = match.name;
    }
    const { rows, src, dst } = await lockRename(tx, parentSrc, nameSrc, parentDst, nameDst, (flags & RENAME_EXCHANGE) !== 0);
    const psrc = requireDir(rows.get(parentSrc));
    const pdst = requireDir(rows.get(parentDst));
    if (protectedFlags(psrc) || (pdst.flags & FLAG_IMMUTABLE) !== 0) fail('EPERM');
    // Only a restore may put something into a directory that sits in the trash.
    if ((flags & RENAME_RESTORE) === 0 && inTrash(pdst)) fail('ENOENT');
    await this.acl.check(tx, ctx.caller, psrc, MODE_MASK_W | MODE_MASK_X);
    await this.acl.check(tx, ctx.caller, pdst, MODE_MASK_W | MODE_MASK_X);
    if (src === undefined) fail('ENOENT');
    const node = rows.get(src.inode);
    if (node === undefined) fail('ENOENT');
    if (parentSrc === parentDst && nameSrc.equals(nameDst)) return node;
    const crossDir = parentSrc !== parentDst;
    if (isDir(node) && crossDir) await this.checkNoCycle(tx, node.inode, parentDst);
    if (node.inode === parentDst) fail('EPERM');
    // As doRename: out of a sticky directory into another one, a caller who does not own the entry
    // must own the source directory, and even then may not move someone else's directory.
    if (crossDir && (psrc.mode & S_ISVTX) !== 0 && ctx.caller.uid !== 0 && ctx.caller.uid !== node.uid && (ctx.caller.uid !== psrc.uid || isDir(node))) {
      fail('EACCES');
    }
    if (protectedFlags(node)) fail('EPERM');
    // Moving a directory elsewhere rewrites its "..": Linux wants write permission on it.
    if (isDir(node) && crossDir && !(await this.acl.has(tx, ctx.caller, node, MODE_MASK_W))) fail('EACCES');
    const now = nowNs();
    let victim: Attr | undefined;
    if (dst !== undefined) {
      if ((flags & RENAME_NOREPLACE) !== 0) fail('EEXIST');
      victim = rows.get(dst.inode);
      if (victim !== undefined) {
        if (victim.inode === node.inode) return node; // two links of one inode: nothing to do
        if (protectedFlags(victim)) fail('EPERM');
        if ((flags & RENAME_EXCHANGE) === 0) {
          if (isDir(node) && !isDir(victim)) fail('ENOTDIR');
          if (!isDir(node) && isDir(victim)) fail('EISDIR');
          if (isDir(victim) && (await hasChildren(tx, victim.inode))) fail('ENOTEMPTY');
        } else if (isDir(victim) && crossDir) {
          await this.checkNoCycle(tx, victim.inode, parentSrc);
          if (!(await this.acl.has(tx, ctx.caller, victim, MODE_MASK_W))) fail('EACCES');
        }
        checkSticky(ctx.caller, pdst, victim);
      }
    } else if ((flags & RENAME_EXCHANGE) !== 0) {
      fail('ENOENT');
    }
    checkSticky(ctx.caller, psrc, node);

    const moved: Attr = { ...node, ctimeNs: now, parent: crossDir && node.parent !== 0n ? parentDst : node.parent };
    if (dst === undefined) {
      const delta = isDir(node) && crossDir ? 1 : 0;
      // A restore leaves its hour directory alone (as doRename for a source in the trash): nlink + 0, times untouched.
      const srcNlink = isTrashDir(parentSrc) ? 0 : -delta;
      const skipSrc = isTrashDir(parentSrc) ? 1n << 62n : this.skipNs;
      const move = {
        parentSrc, nameSrc, parentDst, nameDst, moved, srcNlink, dstNlink: delta, now, skipNs: this.skipNs, skipSrcNs: skipSrc, mayRecount: mode.exclusive,
      };
      const done = await moveEntry(tx, move, scope?.log(moved));
      if (!done.accounted) needExclusive(mode);
      scope?.logged(done.check);
      return moved;
    }
    let srcNlink = 0;
    let dstNlink = 0;
    if ((flags & RENAME_EXCHANGE) !== 0 && victim !== undefined) {
      if (crossDir) {
        await this.moveAccounting(tx, parentSrc, parentDst, node.inode, mode);
        await this.moveAccounting(tx, parentDst, parentSrc, victim.inode, mode);
      }
      await setEdgeTarget(tx, parentSrc, nameSrc, victim.inode, victim.type);
      await setEdgeTarget(tx, parentDst, nameDst, node.inode, node.type);
      if (crossDir) {
        if (isDir(victim)) {
          srcNlink++;
          dstNlink--;
        }
        if (isDir(node)) {
          srcNlink--;
          dstNlink++;
        }
        await updateNode(tx, { ...victim, ctimeNs: now, parent: victim.parent === 0n ? 0n : parentSrc });
      } else {
        await updateNode(tx, { ...victim, ctimeNs: now });
      }
    } else {
      await this.moveAccounting(tx, parentSrc, parentDst, node.inode, mode);
      await deleteEdge(tx, parentSrc, nameSrc);
      if (victim !== undefined) {
        // The replaced entry leaves the destination's quotas and statistics.
        const victimLength = victim.type === TYPE_FILE ? victim.length : 0n;
        const victimSpace = spaceOf(victim.type, victim.length);
        await charge(tx, { space: 0n, inodes: 0n, dirs: [parentDst], dirSpace: -victimSpace, dirInodes: -1n, dirLength: -victimLength, dirSymlinks: -symlinkCount(victim.type) });
        await setEdgeTarget(tx, parentDst, nameDst, node.inode, node.type);
        const place = await this.trash.placeFor(tx, ctx, pdst, victim, nameDst, now);
        if (isDir(victim)) dstNlink--;
        if (place !== undefined) {
          await trashVictim(tx, victim, place.hour, place.name, now);
          // Its new entry counts in the hour directory's statistics (the trash is under no quota).
          await charge(tx, { space: 0n, inodes: 0n, dirs: [place.hour], dirSpace: victimSpace, dirInodes: 1n, dirLength: victimLength, dirSymlinks: symlinkCount(victim.type) });
        } else if (isDir(victim)) {
          await deleteNode(tx, victim.inode);
          await chargeDeleted(tx, victim, SPACE_UNIT);
          await dropDirAccounting(tx, victim.inode);
        } else {
          await this.removeLink(tx, victim, now);
        }
      } else if (dst !== undefined) {
        // The entry pointed at a node that no longer exists: replace it.
        await setEdgeTarget(tx, parentDst, nameDst, node.inode, node.type);
      } else {
        await insertEdge(tx, parentDst, nameDst, node.inode, node.type);
      }
      if (isDir(node) && crossDir) {
        srcNlink--;
        dstNlink++;
      }
    }
    await updateNode(tx, moved);
    // Parents in ascending order; a changed nlink always writes, a time-only change coalesces.
    for (const [ino, delta] of crossDir ? sortPairs([parentSrc, srcNlink], [parentDst, dstNlink]) : [[parentSrc, srcNlink + dstNlink] as const]) {
      // A restore leaves its hour directory alone (as doRename for a source in the trash).
      if (isTrashDir(ino)) continue;
      await touchDir(tx, ino, delta, now, delta !== 0 ? 0n : this.skipNs);
    }
    return moved;
  }

  /**
   * RestoreTrash, as `juicefs restore` of one hour directory: every entry
   * `<parent>-<inode>-<name>` is renamed back to `name` in `parent` with
   * RENAME_NOREPLACE | RENAME_RESTORE, in one transaction of at most
   * RESTORE_LIMIT entries (call again for the rest). An entry that cannot go
   * back (its parent is gone, the name is taken) stays, under a savepoint,
   * and counts as skipped. Entries may go back into a directory that is
   * itself in the trash, so the order does not matter. Root only.
   */
  restoreTrash(ctx: OpContext, hour: Buffer): Promise<{ restored: number; skipped: number }> {
    if (ctx.caller.uid !== 0) fail('EPERM', 'the trash is root only');
    checkName(hour);
    return mutate(this.deps.db, ctx, async (tx) => {
      const dir = await getEdge(tx, TRASH_INODE, hour);
      if (dir === undefined) fail('ENOENT');
      let restored = 0;
      let skipped = 0;
      // Restored directories may enter quota trees: the whole restore holds the exclusive structure lock.
      const mode = { exclusive: true };
      for (const e of await listEntries(tx, dir.inode, RESTORE_LIMIT)) {
        const origin = parseTrashEntry(e.name);
        if (origin === undefined || origin.inode !== e.inode) {
          skipped++;
          continue;
        }
        await tx.query('savepoint restore_entry');
        try {
          await this.renameTx(tx, ctx, dir.inode, e.name, origin.parent, origin.name, RENAME_NOREPLACE | RENAME_RESTORE, undefined, mode);
          await tx.query('release savepoint restore_entry');
          restored++;
        } catch (err) {
          if (!(err instanceof FsError)) throw err;
          await tx.query('rollback to savepoint restore_entry');
          skipped++;
        }
      }
      return { restored, skipped };
    }, { structure: () => 'exclusive' });
  }

  /**
   * EPERM if `dir` is `target` or one of its ancestors. Plain reads suffice:
   * the caller holds the directory-move lock, so no ancestry can change until
   * this transaction ends, and earlier moves have committed.
   */
  private async checkNoCycle(tx: Tx, dir: bigint, target: bigint): Promise<void> {
    let cur = target;
    for (let depth = 0; cur !== ROOT_INODE; depth++) {
      if (cur === dir) fail('EPERM', 'cannot move a directory below itself');
      const row = await getNode(tx, cur);
      if (row === undefined) fail('ENOENT');
      cur = row.parent;
      if (depth > 100_000) fail('ELOOP');
    }
  }

  async readdir(ctx: OpContext, inode: bigint, cursor: Buffer, limit: number, plus: boolean): Promise<ReaddirPage> {
    const { readdirDefaultLimit, readdirMaxLimit } = this.deps.options;
    if (limit > readdirMaxLimit) throw new InvalidArgument('limit', `at most ${readdirMaxLimit}`);
    const pageSize = limit === 0 ? readdirDefaultLimit : limit;
    if (cursor.length > 0 && cursor[0] !== CURSOR_AFTER) throw new InvalidArgument('cursor', 'not a cursor from this service');
    const first = cursor.length === 0;
    const after = cursor.length > 1 ? cursor.subarray(1) : undefined;
    // One row more than the page tells whether another page exists, so a listing ends without an empty call.
    const page = await readDirPage(this.deps.db.reader, inode, after, pageSize + 1, plus, first && plus);
    const dir = page.dir;
    if (dir === undefined) fail('ENOENT');
    if (!isDir(dir)) fail('ENOTDIR');
    checkTrashReader(ctx.caller, dir.inode);
    await this.acl.check(this.deps.db.reader, ctx.caller, dir, plus ? MODE_MASK_R | MODE_MASK_X : MODE_MASK_R);
    const eof = page.entries.length <= pageSize;
    const rows = eof ? page.entries : page.entries.slice(0, pageSize);
    const entries: Entry[] = [];
    if (first) {
      const parentIno = dir.inode === ROOT_INODE ? dir.inode : dir.parent;
      entries.push({ inode: dir.inode, name: DOT, type: TYPE_DIRECTORY, attr: plus ? dir : undefined });
      entries.push({ inode: parentIno, name: DOTDOT, type: TYPE_DIRECTORY, attr: plus ? (page.parent ?? dir) : undefined });
    }
    entries.push(...rows);
    const last = rows.length > 0 ? rows[rows.length - 1]!.name : after;
    const nextCursor = Buffer.concat([Buffer.from([CURSOR_AFTER]), last ?? Buffer.alloc(0)]);
    if (first || rows.length > 0) await touchAtime(this.deps, dir);
    return { entries, nextCursor, eof };
  }

  setAttr(ctx: OpContext, inode: bigint, req: SetAttrRequest): Promise<Attr> {
    if ((req.set & ~SET_ATTR_KNOWN) !== 0) throw new InvalidArgument('set', 'unknown bits (size changes go through Truncate)');
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      if (tx.fast && req.set === SET_ATTR_MODE) {
        // A plain chmod in one round trip; anything else declines to mergeAttr below.
        const fast = { inode, mode: req.mode & 0o7777, now: nowNs(), trashInode: TRASH_INODE, trusted: trusted(ctx.caller), uid: ctx.caller.uid, setgidBit: S_ISGID };
        const { attr, check } = await setModeFast(tx, fast, scope.logTarget());
        scope.logged(check);
        if (attr === undefined) throw new Error('fast chmod committed without its node');
        return attr;
      }
      const cur = (await lockNodes(tx, [inode], 'update')).get(inode);
      if (cur === undefined) fail('ENOENT');
      if (inTrash(cur)) fail('EPERM', 'in the trash');
      const setsTimes = (req.set & (SET_ATTR_ATIME | SET_ATTR_MTIME | SET_ATTR_ATIME_NOW | SET_ATTR_MTIME_NOW)) !== 0;
      const canWrite = setsTimes && (await this.acl.has(tx, ctx.caller, cur, MODE_MASK_W));
      let next = mergeAttr(ctx, cur, req, nowNs(), canWrite);
      // chmod of an inode with an access ACL rewrites its owner, mask and other entries (posix_acl_chmod).
      if (next !== cur && cur.accessAcl !== undefined && (next.mode & 0o777) !== (cur.mode & 0o777)) {
        next = { ...next, accessAcl: await this.acl.chmod(tx, cur, next.mode) };
      }
      // A new owner takes the inode into its user / group quotas (EDQUOT when full).
      if (next.uid !== cur.uid || next.gid !== cur.gid) await chargeOwnerChange(tx, cur, next, spaceOf(cur.type, cur.length));
      if (next !== cur) scope.logged(await updateNodeLogged(tx, next, scope.log(next)));
      return next;
    });
  }

  /** Every directory holding a link to the inode. */
  async parents(inode: bigint): Promise<bigint[]> {
    const attr = await this.getAttr(inode);
    return attr.parent !== 0n ? [attr.parent] : edgeParents(this.deps.db.reader, inode);
  }
}

/** Starts the rename over holding the exclusive structure lock (a serialization retry). */
function needExclusive(mode: { exclusive: boolean }): never {
  mode.exclusive = true;
  throw Object.assign(new Error('a directory changes quota trees: start over under the exclusive structure lock'), { code: '40001' });
}

function sortPairs(a: readonly [bigint, number], b: readonly [bigint, number]): (readonly [bigint, number])[] {
  return a[0] < b[0] ? [a, b] : [b, a];
}

/**
 * SetAttr semantics, as baseMeta.mergeAttr (Linux branch; the ACL's part of a chmod is Namespace.setAttr's): returns
 * `cur` itself when nothing changes, else the new attributes with ctime = now.
 */
export function mergeAttr(ctx: OpContext, cur: Attr, req: SetAttrRequest, now: bigint, canWrite: boolean): Attr {
  const { caller } = ctx;
  const uid = caller.uid;
  const set = req.set;
  const next: Attr = { ...cur };
  let mode = req.mode & 0o7777;
  let changed = false;
  // chmod together with chown keeps the old setuid/setgid bits, which the chown rule then clears.
  if ((set & (SET_ATTR_UID | SET_ATTR_GID)) !== 0 && (set & SET_ATTR_MODE) !== 0) mode |= cur.mode & 0o6000;
  if ((cur.mode & 0o6000) !== 0 && (set & (SET_ATTR_UID | SET_ATTR_GID)) !== 0) {
    // clearSUGID, "same as ext": a non-directory loses both bits, except that root
    // keeps setgid on a file that is not group-executable.
    if (cur.type !== TYPE_DIRECTORY) {
      const keep = uid !== 0 || (cur.mode & 0o010) !== 0 ? 0o1777 : 0o3777;
      next.mode &= keep;
      mode &= keep;
    }
    changed = true;
  }
  if ((set & SET_ATTR_GID) !== 0) {
    if (uid !== 0 && uid !== cur.uid) fail('EPERM');
    if (cur.gid !== req.gid) {
      if (!trusted(caller) && !inGroup(caller, req.gid)) fail('EPERM');
      next.gid = req.gid;
      changed = true;
    }
  }
  if ((set & SET_ATTR_UID) !== 0 && cur.uid !== req.uid) {
    if (!trusted(caller)) fail('EPERM');
    next.uid = req.uid;
    changed = true;
  }
  if ((set & SET_ATTR_MODE) !== 0) {
    // A non-root caller outside the file's group (primary or supplementary, as Linux) cannot set setgid.
    if (!trusted(caller) && (mode & S_ISGID) !== 0 && !inGroup(caller, cur.gid)) mode &= 0o5777;
    if (mode !== cur.mode) {
      const grows = (mode & 0o1777) !== (cur.mode & 0o1777) || (mode & S_ISGID) > (cur.mode & S_ISGID) || (mode & S_ISUID) > (cur.mode & S_ISUID);
      if (uid !== 0 && uid !== cur.uid && grows) fail('EPERM');
      next.mode = mode;
      changed = true;
    }
  }
  // "now" needs ownership or write access (EACCES); an explicit time on a root-owned file needs root (EPERM).
  const timeRule = (explicit: boolean): void => {
    if (explicit && cur.uid === 0 && uid !== 0) fail('EPERM');
    if (uid !== cur.uid && !canWrite) fail('EACCES');
  };
  if ((set & SET_ATTR_ATIME_NOW) !== 0 || ((set & SET_ATTR_ATIME) !== 0 && req.atimeNs < 0n)) {
    timeRule(false);
    next.atimeNs = now;
    changed = true;
  } else if ((set & SET_ATTR_ATIME) !== 0 && cur.atimeNs !== req.atimeNs) {
    timeRule(true);
    next.atimeNs = req.atimeNs;
    changed = true;
  }
  if ((set & SET_ATTR_MTIME_NOW) !== 0 || ((set & SET_ATTR_MTIME) !== 0 && req.mtimeNs < 0n)) {
    timeRule(false);
    next.mtimeNs = now;
    changed = true;
  } else if ((set & SET_ATTR_MTIME) !== 0 && cur.mtimeNs !== req.mtimeNs) {
    timeRule(true);
    next.mtimeNs = req.mtimeNs;
    changed = true;
  }
  if ((set & SET_ATTR_FLAG) !== 0) {
    next.flags = req.flags;
    changed = true;
  }
  if (!changed) return cur;
  next.ctimeNs = now;
  return next;
}
