import * as fs from 'node:fs';
import type { v1 } from '@fsmeta/client';
import { ERRNO } from '@fsmeta/client';
import type { DataPath } from './data';
import { MAX_WRITE, type FuseDevice } from './fuse/device';
import {
  ATTR_SIZE,
  Fattr,
  LK_FLOCK,
  RELEASE_FLOCK_UNLOCK,
  Init,
  KERNEL_MAJOR,
  NOTIFY_INVAL_INODE,
  Op,
  PROTOCOL_MINOR,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  STATFS_OUT_SIZE,
  INIT_OUT_SIZE,
  attrOut,
  cstring,
  direntSize,
  entryOut,
  openOut,
  u32Out,
  writeDirent,
  writeEntryOut,
  writeOut,
  type InHeader,
  type KAttr,
} from './fuse/protocol';
import { ROOT, isFsmetaError, type Caller, type Meta } from './meta';

/** How long the kernel may trust a name and attributes we returned (JuiceFS's defaults). */
export interface CacheTimeouts {
  entrySec: number;
  attrSec: number;
  dirEntrySec: number;
}

const TYPE_BITS: Record<string, number> = {
  FILE_TYPE_REGULAR: S_IFREG,
  FILE_TYPE_DIRECTORY: S_IFDIR,
  FILE_TYPE_SYMLINK: S_IFLNK,
  FILE_TYPE_FIFO: S_IFIFO,
  FILE_TYPE_BLOCK_DEVICE: S_IFBLK,
  FILE_TYPE_CHAR_DEVICE: S_IFCHR,
  FILE_TYPE_SOCKET: S_IFSOCK,
};

const TYPE_BY_BITS = new Map<number, v1.FileType>([
  [S_IFREG, 'FILE_TYPE_REGULAR'],
  [S_IFDIR, 'FILE_TYPE_DIRECTORY'],
  [S_IFIFO, 'FILE_TYPE_FIFO'],
  [S_IFBLK, 'FILE_TYPE_BLOCK_DEVICE'],
  [S_IFCHR, 'FILE_TYPE_CHAR_DEVICE'],
  [S_IFSOCK, 'FILE_TYPE_SOCKET'],
]);

const ENOSYS = ERRNO.ENOSYS.errno;
const EIO = ERRNO.EIO.errno;
const EINVAL = ERRNO.EINVAL.errno;
const ERANGE = ERRNO.ERANGE.errno;
const EBADF = ERRNO.EBADF.errno;
const EPERM = ERRNO.EPERM.errno;
/** fsmeta SetAttr bit: set the inode flags (immutable, append-only). */
const SET_FLAGS = 1 << 15;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_IXGRP = 0o010;
const SECURITY_CAPABILITY = 'security.capability';
const READDIR_PAGE = 1000;
/** Reads this close to where the last one ended count as sequential (read-ahead). */
const NEAR = BigInt(2 << 20);

/** errno to send the kernel for a failed operation. */
export function errnoOf(err: unknown): number {
  if (isFsmetaError(err)) {
    if (err.errno !== undefined) return err.errno;
    return err.code === 3 /* INVALID_ARGUMENT */ ? EINVAL : EIO;
  }
  return EIO;
}

interface FileHandle {
  kind: 'file';
  inode: bigint;
  flags: number;
  /** The process that opened it (a write's removal of set-id bits comes from the writer). */
  pid: number;
  lastReadEnd: bigint;
}

interface DirHandle {
  kind: 'dir';
  inode: bigint;
  entries: v1.Entry__Output[];
  cursor: Buffer;
  eof: boolean;
  /** Readdir with attributes was refused (a directory readable but not searchable): list names only. */
  namesOnly: boolean;
}

type Handle = FileHandle | DirHandle;

class Reply {
  constructor(
    readonly unique: bigint,
    private readonly dev: FuseDevice,
  ) {}
  ok(...payload: Buffer[]): void {
    this.dev.reply(this.unique, 0, ...payload);
  }
  err(errno: number): void {
    this.dev.reply(this.unique, errno);
  }
}

/**
 * The file system: each FUSE request becomes fsmeta RPCs (namespace,
 * attributes, xattrs) or data-path work. Inode numbers are fsmeta's (the
 * root is 1 on both sides). Every request carries its caller: the uid and gid
 * FUSE gives and the supplementary groups from /proc/<pid>/status.
 */
export class FileSystem {
  private readonly handles = new Map<bigint, Handle>();
  private nextFh = 1n;
  /** What the kernel was last told of a file's length and mtime: an open that finds them changed invalidates its cache. */
  private readonly told = new Map<bigint, string>();
  /** Files known to have no security.capability (the kernel asks before every write). */
  private readonly noCapability = new Map<bigint, number>();
  private initDone = false;
  /** Blocked lock waits by request, to end on INTERRUPT. */
  private readonly interrupts = new Map<bigint, () => void>();
  /** Files this mount took a POSIX lock on: a close then drops the closing owner's locks. */
  private readonly posixLocked = new Set<bigint>();
  log: (msg: string) => void = () => undefined;

  constructor(
    private readonly meta: Meta,
    private readonly data: DataPath,
    private readonly dev: FuseDevice,
    private readonly timeouts: CacheTimeouts,
  ) {}

  get openHandles(): number {
    return this.handles.size;
  }

  // ---- plumbing ----

  private caller(h: InHeader): Caller {
    if (h.uid === 0) return { uid: 0, gid: h.gid, gids: [] };
    return { uid: h.uid, gid: h.gid, gids: groupsOf(h.pid) };
  }

  private kattr(a: v1.Attr__Output): KAttr {
    const inode = BigInt(a.inode);
    let length = BigInt(a.length);
    let mtimeNs = BigInt(a.mtimeNs);
    if (a.type === 'FILE_TYPE_REGULAR') {
      this.data.noteLength(inode, length);
      ({ length, mtimeNs } = this.data.overlay(inode, length, mtimeNs));
      if (this.told.size > 100_000) this.told.clear();
      this.told.set(inode, `${length}:${mtimeNs}`);
    }
    return {
      ino: inode,
      size: length,
      atimeNs: BigInt(a.atimeNs),
      mtimeNs,
      ctimeNs: BigInt(a.ctimeNs),
      mode: (TYPE_BITS[a.type] ?? 0) | (a.mode & 0o7777),
      nlink: a.nlink,
      uid: a.uid,
      gid: a.gid,
      rdev: a.rdev,
      blksize: 4096,
    };
  }

  private entry(a: v1.Attr__Output): Buffer {
    const dir = a.type === 'FILE_TYPE_DIRECTORY';
    return entryOut(BigInt(a.inode), this.kattr(a), dir ? this.timeouts.dirEntrySec : this.timeouts.entrySec, this.timeouts.attrSec);
  }

  private attrReply(a: v1.Attr__Output): Buffer {
    return attrOut(this.kattr(a), this.timeouts.attrSec);
  }

  private newHandle(h: Handle): bigint {
    const fh = this.nextFh++;
    this.handles.set(fh, h);
    return fh;
  }

  /** Entry point: one request from the kernel. */
  handle(h: InHeader, body: Buffer): void {
    const r = new Reply(h.unique, this.dev);
    let p: Promise<void> | void;
    try {
      p = this.dispatch(h, body, r);
    } catch (err) {
      this.fail(h, r, err);
      return;
    }
    if (p !== undefined) p.catch((err: unknown) => this.fail(h, r, err));
  }

  private fail(h: InHeader, r: Reply, err: unknown): void {
    const errno = errnoOf(err);
    if (errno === EIO) this.log(`op ${h.opcode} on ${h.nodeid}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    r.err(errno);
  }

  private dispatch(h: InHeader, b: Buffer, r: Reply): Promise<void> | void {
    switch (h.opcode) {
      case Op.INIT:
        return this.init(b, r);
      case Op.DESTROY:
        return r.ok();
      case Op.INTERRUPT:
        // Only a blocked lock wait is worth interrupting; everything else finishes soon anyway.
        this.interrupts.get(b.readBigUInt64LE(0))?.();
        return;
      case Op.FORGET:
      case Op.BATCH_FORGET:
        return; // no reply: nothing per inode is kept
      case Op.LOOKUP:
        return this.lookup(h, b, r);
      case Op.GETATTR:
        return this.getattr(h, r);
      case Op.SETATTR:
        return this.setattr(h, b, r);
      case Op.READLINK:
        return this.readlink(h, r);
      case Op.SYMLINK:
        return this.symlink(h, b, r);
      case Op.MKNOD:
        return this.mknod(h, b, r);
      case Op.MKDIR:
        return this.mkdir(h, b, r);
      case Op.UNLINK:
        return this.remove(h, b, r, 'Unlink');
      case Op.RMDIR:
        return this.remove(h, b, r, 'Rmdir');
      case Op.RENAME:
        return this.rename(h, b, r, false);
      case Op.RENAME2:
        return this.rename(h, b, r, true);
      case Op.LINK:
        return this.link(h, b, r);
      case Op.OPEN:
        return this.open(h, b, r);
      case Op.CREATE:
        return this.create(h, b, r);
      case Op.READ:
        return this.read(h, b, r);
      case Op.WRITE:
        return this.write(h, b, r);
      case Op.FLUSH:
      case Op.FSYNC:
        return this.flush(h, b, r);
      case Op.RELEASE:
        return this.release(h, b, r);
      case Op.OPENDIR:
        return this.opendir(h, r);
      case Op.READDIR:
        return this.readdir(h, b, r, false);
      case Op.READDIRPLUS:
        return this.readdir(h, b, r, true);
      case Op.RELEASEDIR:
        this.handles.delete(b.readBigUInt64LE(0));
        return r.ok();
      case Op.FSYNCDIR:
        return r.ok();
      case Op.STATFS:
        return this.statfs(h, r);
      case Op.SETXATTR:
        return this.setxattr(h, b, r);
      case Op.GETXATTR:
        return this.getxattr(h, b, r);
      case Op.LISTXATTR:
        return this.listxattr(h, b, r);
      case Op.REMOVEXATTR:
        return this.removexattr(h, b, r);
      case Op.ACCESS:
        return this.access(h, b, r);
      case Op.FALLOCATE:
        return this.fallocate(h, b, r);
      case Op.COPY_FILE_RANGE:
        return this.copyFileRange(h, b, r);
      case Op.GETLK:
        return this.getlk(h, b, r);
      case Op.SETLK:
        return this.setlk(h, b, r, false);
      case Op.SETLKW:
        return this.setlk(h, b, r, true);
      default:
        return r.err(ENOSYS);
    }
  }

  // ---- session ----

  private init(b: Buffer, r: Reply): void {
    const major = b.readUInt32LE(0);
    const minor = b.readUInt32LE(4);
    const maxReadahead = b.readUInt32LE(8);
    const kernelFlags = b.readUInt32LE(12);
    if (major !== KERNEL_MAJOR || minor < 27) {
      this.log(`kernel FUSE ${major}.${minor} is too old (7.27 or newer needed)`);
      return r.err(EIO);
    }
    const want =
      Init.ASYNC_READ |
      Init.POSIX_LOCKS |
      Init.FLOCK_LOCKS |
      Init.BIG_WRITES |
      Init.AUTO_INVAL_DATA |
      Init.DO_READDIRPLUS |
      Init.READDIRPLUS_AUTO |
      Init.PARALLEL_DIROPS |
      Init.MAX_PAGES |
      Init.CACHE_SYMLINKS;
    const out = Buffer.alloc(INIT_OUT_SIZE);
    out.writeUInt32LE(KERNEL_MAJOR, 0);
    out.writeUInt32LE(Math.min(minor, PROTOCOL_MINOR), 4);
    out.writeUInt32LE(maxReadahead, 8);
    out.writeUInt32LE(want & kernelFlags, 12);
    out.writeUInt16LE(64, 16); // max_background
    out.writeUInt16LE(48, 18); // congestion_threshold
    out.writeUInt32LE(MAX_WRITE, 20);
    out.writeUInt32LE(1, 24); // time_gran: nanoseconds
    out.writeUInt16LE(MAX_WRITE / 4096, 28); // max_pages
    this.initDone = true;
    r.ok(out);
  }

  get initialised(): boolean {
    return this.initDone;
  }

  // ---- namespace ----

  private async lookup(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const [name] = cstring(b, 0);
    const res = await this.meta.call('Lookup', this.caller(h), { parent: h.nodeid.toString(), name });
    r.ok(this.entry(res.attr!));
  }

  private async getattr(h: InHeader, r: Reply): Promise<void> {
    const res = await this.meta.call('GetAttr', this.caller(h), { inode: h.nodeid.toString() });
    r.ok(this.attrReply(res.attr!));
  }

  private async setattr(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const valid = b.readUInt32LE(0);
    const fh = b.readBigUInt64LE(8);
    const size = b.readBigUInt64LE(16);
    const atime = b.readBigInt64LE(32);
    const mtime = b.readBigInt64LE(40);
    const atimensec = b.readUInt32LE(56);
    const mtimensec = b.readUInt32LE(60);
    const mode = b.readUInt32LE(68);
    const uid = b.readUInt32LE(76);
    const gid = b.readUInt32LE(80);
    const inode = h.nodeid;
    const writer = this.caller(h);
    let caller = writer;
    let attr: v1.Attr__Output | undefined;
    // Requests that carry the kernel's removal of privileges (file_remove_privs on write and
    // truncate, chown(-1, -1)): see dropsSetgid.
    let killsPrivs = valid === 0 || (valid & Fattr.SIZE) !== 0;

    if ((valid & Fattr.SIZE) !== 0) {
      // Through a descriptor (ftruncate, open with O_TRUNC) the kernel checked the descriptor
      // was opened for writing: no permission check of the inode, as on a local file system.
      const viaFh = (valid & Fattr.FH) !== 0 && this.handles.get(fh)?.kind === 'file';
      attr = await this.data.truncate(inode, viaFh ? ROOT : caller, size);
    }
    let set = valid & (Fattr.MODE | Fattr.UID | Fattr.GID);
    if ((valid & Fattr.ATIME_NOW) !== 0) set |= Fattr.ATIME_NOW;
    else if ((valid & Fattr.ATIME) !== 0) set |= Fattr.ATIME;
    // A truncate sets mtime itself; a separate "mtime now" would need rights the descriptor already proved.
    if ((valid & Fattr.SIZE) === 0 || (valid & Fattr.MTIME_NOW) === 0) {
      if ((valid & Fattr.MTIME_NOW) !== 0) set |= Fattr.MTIME_NOW;
      else if ((valid & Fattr.MTIME) !== 0) set |= Fattr.MTIME;
    }
    const ownership = set & (Fattr.UID | Fattr.GID);
    if (ownership !== 0 && (set & Fattr.MODE) !== 0) {
      // A chown that the kernel sends with a mode: the mode is the kernel's removal of
      // setuid/setgid (its VFS rule, checked already). Change the owner, then set that mode
      // with the kernel's authority if fsmeta's own set-id rule left a different one.
      attr = (await this.meta.call('SetAttr', caller, { inode: inode.toString(), set: ownership, mode: 0, uid, gid })).attr!;
      set &= ~(Fattr.UID | Fattr.GID);
      if ((attr.mode & 0o7777) === (mode & 0o7777)) set &= ~Fattr.MODE;
      else if (set === Fattr.MODE) caller = ROOT;
    }
    if (set !== 0) {
      if (set === Fattr.MODE && caller.uid !== 0) {
        // The kernel drops setuid/setgid itself when a non-owner writes or truncates (file_remove_privs):
        // that chmod is the kernel's privilege, not the caller's.
        const cur = (await this.meta.call('GetAttr', caller, { inode: inode.toString() })).attr!;
        const drops = cur.mode & ~mode & 0o7777;
        if (cur.uid !== caller.uid && drops !== 0 && (drops & ~(S_ISUID | S_ISGID)) === 0 && ((mode & 0o7777) & ~cur.mode) === 0) {
          caller = ROOT;
          killsPrivs = true;
        }
      }
      const res = await this.meta.call('SetAttr', caller, {
        inode: inode.toString(),
        set,
        mode: mode & 0o7777,
        uid,
        gid,
        atimeNs: (atime * 1_000_000_000n + BigInt(atimensec)).toString(),
        mtimeNs: (mtime * 1_000_000_000n + BigInt(mtimensec)).toString(),
      });
      attr = res.attr!;
    } else if (attr === undefined && (valid & Fattr.SIZE) === 0) {
      // chown(f, -1, -1) and the like: nothing to change but ctime, which Linux updates
      // (notify_change always sets ATTR_CTIME). Rewriting the inode flags is fsmeta's way to
      // touch ctime alone; the kernel allowed the call, so it goes with its authority.
      const cur = (await this.meta.call('GetAttr', caller, { inode: inode.toString() })).attr!;
      if (valid === 0 && cur.uid !== writer.uid && dropsSetgid(writer, cur) && !this.writing(inode, h.pid)) {
        // Not a write's removal but chown(-1, -1) by a non-owner: dropping set-group-ID is then a
        // chmod, which Linux refuses to anyone but the owner.
        return r.err(EPERM);
      }
      attr = (await this.meta.call('SetAttr', ROOT, { inode: inode.toString(), set: SET_FLAGS, flags: cur.flags })).attr!;
    }
    attr ??= (await this.meta.call('GetAttr', caller, { inode: inode.toString() })).attr!;
    if (killsPrivs && dropsSetgid(writer, attr)) {
      attr = (await this.meta.call('SetAttr', ROOT, { inode: inode.toString(), set: Fattr.MODE, mode: attr.mode & 0o7777 & ~S_ISGID })).attr!;
    }
    r.ok(this.attrReply(attr));
  }

  /** Whether process `pid` has `inode` open for writing here (the source of a write's SETATTR). */
  private writing(inode: bigint, pid: number): boolean {
    for (const fh of this.handles.values()) {
      if (fh.kind === 'file' && fh.inode === inode && fh.pid === pid && (fh.flags & 3) !== fs.constants.O_RDONLY) return true;
    }
    return false;
  }

  private async readlink(h: InHeader, r: Reply): Promise<void> {
    const res = await this.meta.call('ReadLink', this.caller(h), { inode: h.nodeid.toString() });
    r.ok(res.target);
  }

  private async symlink(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const [name, next] = cstring(b, 0);
    const [target] = cstring(b, next);
    const res = await this.meta.call('Symlink', this.caller(h), { parent: h.nodeid.toString(), name, target });
    r.ok(this.entry(res.attr!));
  }

  private async mknod(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const mode = b.readUInt32LE(0);
    const rdev = b.readUInt32LE(4);
    const [name] = cstring(b, 16);
    const type = TYPE_BY_BITS.get(mode & S_IFMT);
    if (type === undefined) return r.err(EINVAL);
    // The kernel applied the umask already (FUSE_DONT_MASK is not asked for).
    const res = await this.meta.call('Mknod', this.caller(h), { parent: h.nodeid.toString(), name, type, mode: mode & 0o7777, umask: 0, rdev });
    r.ok(this.entry(res.attr!));
  }

  private async mkdir(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const mode = b.readUInt32LE(0);
    const [name] = cstring(b, 8);
    const res = await this.meta.call('Mkdir', this.caller(h), { parent: h.nodeid.toString(), name, mode: mode & 0o7777, umask: 0 });
    r.ok(this.entry(res.attr!));
  }

  private async remove(h: InHeader, b: Buffer, r: Reply, method: 'Unlink' | 'Rmdir'): Promise<void> {
    const [name] = cstring(b, 0);
    await this.meta.call(method, this.caller(h), { parent: h.nodeid.toString(), name });
    r.ok();
  }

  private async rename(h: InHeader, b: Buffer, r: Reply, v2: boolean): Promise<void> {
    const newdir = b.readBigUInt64LE(0);
    const flags = v2 ? b.readUInt32LE(8) : 0;
    const [oldname, next] = cstring(b, v2 ? 16 : 8);
    const [newname] = cstring(b, next);
    await this.meta.call('Rename', this.caller(h), {
      parentSrc: h.nodeid.toString(),
      nameSrc: oldname,
      parentDst: newdir.toString(),
      nameDst: newname,
      flags,
    });
    r.ok();
  }

  private async link(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const oldnode = b.readBigUInt64LE(0);
    const [name] = cstring(b, 8);
    const res = await this.meta.call('Link', this.caller(h), { inode: oldnode.toString(), parent: h.nodeid.toString(), name });
    r.ok(this.entry(res.attr!));
  }

  // ---- files ----

  private async open(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const flags = b.readUInt32LE(0);
    const res = await this.meta.call('Open', this.caller(h), { inode: h.nodeid.toString(), flags });
    await this.opened(res.attr!);
    const fh = this.newHandle({ kind: 'file', inode: h.nodeid, flags, pid: h.pid, lastReadEnd: 0n });
    r.ok(openOut(fh, 0));
  }

  /**
   * Close-to-open consistency: another node may have changed the file since
   * the kernel last heard of it. Its cached layouts go, and if the length or
   * mtime moved the kernel is told to drop attributes and pages before the
   * open returns (written from the pool, so a page lock the kernel waits on
   * while we serve a READ cannot deadlock the mount).
   */
  private async opened(a: v1.Attr__Output): Promise<void> {
    const inode = BigInt(a.inode);
    this.data.invalidate(inode);
    const before = this.told.get(inode);
    this.kattr(a);
    if (before !== undefined && before !== this.told.get(inode)) {
      const payload = Buffer.alloc(24);
      payload.writeBigUInt64LE(inode, 0);
      await this.dev.notifyAsync(NOTIFY_INVAL_INODE, payload);
    }
  }

  private async create(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const flags = b.readUInt32LE(0);
    const mode = b.readUInt32LE(4);
    const [name] = cstring(b, 16);
    const res = await this.meta.call('Create', this.caller(h), { parent: h.nodeid.toString(), name, mode: mode & 0o7777, umask: 0, flags });
    const attr = res.attr!;
    this.data.invalidate(BigInt(attr.inode));
    const fh = this.newHandle({ kind: 'file', inode: BigInt(attr.inode), flags, pid: h.pid, lastReadEnd: 0n });
    r.ok(this.entry(attr), openOut(fh, 0));
  }

  private fileHandle(fh: bigint): FileHandle | undefined {
    const handle = this.handles.get(fh);
    return handle?.kind === 'file' ? handle : undefined;
  }

  private async read(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const fh = b.readBigUInt64LE(0);
    const offset = b.readBigUInt64LE(8);
    const size = b.readUInt32LE(16);
    const handle = this.fileHandle(fh);
    // The kernel's own read-ahead sends several reads at once, not always in order: "near the last end" is sequential.
    const sequential = handle !== undefined && offset + NEAR >= handle.lastReadEnd && offset <= handle.lastReadEnd + NEAR;
    const data = await this.data.read(h.nodeid, offset, size, sequential);
    if (handle !== undefined && offset + BigInt(data.length) > handle.lastReadEnd) handle.lastReadEnd = offset + BigInt(data.length);
    r.ok(data);
  }

  private async write(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const offset = b.readBigUInt64LE(8);
    const size = b.readUInt32LE(16);
    const data = b.subarray(40, 40 + size);
    await this.data.write(h.nodeid, offset, data);
    r.ok(writeOut(data.length));
  }

  private async flush(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    await this.data.flush(h.nodeid);
    // close(2) drops the POSIX locks of the closing owner (FUSE: the server's job, at FLUSH).
    if (h.opcode === Op.FLUSH && this.posixLocked.has(h.nodeid)) {
      const owner = b.readBigUInt64LE(16);
      await this.meta.call('SetLk', ROOT, { inode: h.nodeid.toString(), owner: owner.toString(), type: 'LOCK_TYPE_UNLOCK', start: '0', end: MAX_LOCK_END.toString(), pid: 0, block: false });
    }
    r.ok();
  }

  private async release(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const fh = b.readBigUInt64LE(0);
    const handle = this.handles.get(fh);
    this.handles.delete(fh);
    try {
      await this.data.flush(h.nodeid);
    } catch (err) {
      // Nobody to tell any more (close already returned): the loss is logged.
      this.log(`release of ${h.nodeid}: unflushed data lost: ${err instanceof Error ? err.message : String(err)}`);
    }
    if ((b.readUInt32LE(12) & RELEASE_FLOCK_UNLOCK) !== 0) {
      try {
        await this.meta.call('Flock', ROOT, { inode: h.nodeid.toString(), owner: b.readBigUInt64LE(16).toString(), type: 'LOCK_TYPE_UNLOCK', block: false });
      } catch (err) {
        this.log(`flock release of ${h.nodeid}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (handle !== undefined) {
      try {
        await this.meta.call('Close', ROOT, { inode: h.nodeid.toString() });
      } catch (err) {
        this.log(`close of ${h.nodeid}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    r.ok();
  }

  private async fallocate(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const fh = b.readBigUInt64LE(0);
    const offset = b.readBigUInt64LE(8);
    const length = b.readBigUInt64LE(16);
    const mode = b.readUInt32LE(24);
    if (this.fileHandle(fh) === undefined) return r.err(EBADF);
    // fd-based: the kernel checked the descriptor is open for writing.
    await this.data.fallocate(h.nodeid, ROOT, mode, offset, length);
    r.ok();
  }

  private async copyFileRange(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const offIn = b.readBigUInt64LE(8);
    const nodeOut = b.readBigUInt64LE(16);
    const offOut = b.readBigUInt64LE(32);
    const len = b.readBigUInt64LE(40);
    const flags = Number(b.readBigUInt64LE(48));
    // Capped to what one reply can say (a u32); the kernel loops for the rest.
    const size = len > 0xfffff000n ? 0xfffff000n : len;
    const copied = await this.data.copyFileRange(ROOT, h.nodeid, offIn, nodeOut, offOut, size, flags);
    r.ok(writeOut(Number(copied)));
  }

  // ---- locks (flock and fcntl record locks, held in fsmeta for every node to see) ----

  private async getlk(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const lk = readLk(b);
    if (lk.type === undefined) return r.err(EINVAL);
    const res = await this.meta.call('GetLk', this.caller(h), {
      inode: h.nodeid.toString(),
      owner: lk.owner.toString(),
      type: lk.type,
      start: lk.start.toString(),
      end: lk.end.toString(),
    });
    const out = Buffer.alloc(24);
    const end = BigInt(res.end);
    out.writeBigUInt64LE(BigInt(res.start), 0);
    out.writeBigUInt64LE(end >= MAX_LOCK_END ? OFFSET_MAX : end, 8);
    out.writeUInt32LE(LOCK_TYPE_CODES[res.type] ?? F_UNLCK, 16);
    out.writeUInt32LE(res.pid, 20);
    r.ok(out);
  }

  private async setlk(h: InHeader, b: Buffer, r: Reply, block: boolean): Promise<void> {
    const lk = readLk(b);
    if (lk.type === undefined) return r.err(EINVAL);
    const inode = h.nodeid.toString();
    const caller = this.caller(h);
    const once = (): Promise<unknown> =>
      lk.flock
        ? this.meta.call('Flock', caller, { inode, owner: lk.owner.toString(), type: lk.type!, block })
        : this.meta.call('SetLk', caller, { inode, owner: lk.owner.toString(), type: lk.type!, start: lk.start.toString(), end: lk.end.toString(), pid: lk.pid, block });
    if (!lk.flock && lk.type !== 'LOCK_TYPE_UNLOCK') this.posixLocked.add(h.nodeid);
    if (!block) {
      await once();
      return r.ok();
    }
    // A blocking wait ends with the lock, an error, or the caller's signal (INTERRUPT). fsmeta gives
    // up a wait before the call's deadline with EINTR; that is not the caller's signal: wait again.
    let interrupted = false;
    this.interrupts.set(h.unique, () => {
      interrupted = true;
      r.err(ERRNO.EINTR.errno);
    });
    try {
      for (;;) {
        try {
          await once();
        } catch (err) {
          if (!interrupted && isFsmetaError(err) && err.errnoName === 'EINTR') continue;
          throw err;
        }
        break;
      }
    } catch (err) {
      if (interrupted) return;
      throw err;
    } finally {
      this.interrupts.delete(h.unique);
    }
    if (!interrupted) return r.ok();
    // Granted after the caller gave up: give it back.
    await (lk.flock
      ? this.meta.call('Flock', caller, { inode, owner: lk.owner.toString(), type: 'LOCK_TYPE_UNLOCK', block: false })
      : this.meta.call('SetLk', caller, { inode, owner: lk.owner.toString(), type: 'LOCK_TYPE_UNLOCK', start: lk.start.toString(), end: lk.end.toString(), pid: lk.pid, block: false }));
  }

  // ---- directories ----

  private opendir(h: InHeader, r: Reply): void {
    const fh = this.newHandle({ kind: 'dir', inode: h.nodeid, entries: [], cursor: Buffer.alloc(0), eof: false, namesOnly: false });
    r.ok(openOut(fh, 0));
  }

  private async readdir(h: InHeader, b: Buffer, r: Reply, plus: boolean): Promise<void> {
    const fh = b.readBigUInt64LE(0);
    const offset = Number(b.readBigUInt64LE(8));
    const size = b.readUInt32LE(16);
    const handle = this.handles.get(fh);
    if (handle === undefined || handle.kind !== 'dir') return r.err(EBADF);
    const caller = this.caller(h);
    if (offset === 0 && handle.entries.length > 0) {
      // rewinddir: list afresh.
      handle.entries = [];
      handle.cursor = Buffer.alloc(0);
      handle.eof = false;
    }
    const out = Buffer.alloc(size);
    let used = 0;
    let i = offset;
    for (;;) {
      while (i >= handle.entries.length && !handle.eof) await this.readdirPage(handle, caller, plus);
      if (i >= handle.entries.length) break;
      const e = handle.entries[i]!;
      const name = e.name;
      const need = direntSize(name.length, plus);
      if (used + need > size) break;
      const dtype = ((TYPE_BITS[e.type] ?? 0) >> 12) & 0xf;
      if (plus) {
        if (e.attr && !handle.namesOnly) writeEntryOut(out, used, BigInt(e.inode), this.kattr(e.attr), this.timeouts.entrySec, this.timeouts.attrSec);
        else writeEntryOut(out, used, 0n, undefined, 0, 0);
        used += 40 + ATTR_SIZE;
      }
      used += writeDirent(out, used, BigInt(e.inode), BigInt(i + 1), name, dtype);
      i++;
    }
    r.ok(out.subarray(0, used));
  }

  private async readdirPage(handle: DirHandle, caller: Caller, plus: boolean): Promise<void> {
    let res;
    try {
      res = await this.meta.call('Readdir', caller, { inode: handle.inode.toString(), cursor: handle.cursor, limit: READDIR_PAGE, plus: plus && !handle.namesOnly });
    } catch (err) {
      // Attributes need search (X) permission; names need only read: fall back to names.
      if (!(plus && !handle.namesOnly && isFsmetaError(err) && err.errnoName === 'EACCES')) throw err;
      handle.namesOnly = true;
      res = await this.meta.call('Readdir', caller, { inode: handle.inode.toString(), cursor: handle.cursor, limit: READDIR_PAGE, plus: false });
    }
    handle.entries.push(...res.entries);
    handle.cursor = res.nextCursor;
    handle.eof = res.eof || res.entries.length === 0;
  }

  // ---- volume ----

  private async statfs(h: InHeader, r: Reply): Promise<void> {
    const res = await this.meta.call('StatFS', this.caller(h), { inode: h.nodeid.toString() });
    const bsize = 4096n;
    const total = BigInt(res.totalSpace);
    const avail = BigInt(res.availSpace);
    const usedInodes = BigInt(res.usedInodes);
    const availInodes = BigInt(res.availInodes);
    const out = Buffer.alloc(STATFS_OUT_SIZE);
    out.writeBigUInt64LE(total / bsize, 0);
    out.writeBigUInt64LE(avail / bsize, 8);
    out.writeBigUInt64LE(avail / bsize, 16);
    out.writeBigUInt64LE(usedInodes + availInodes, 24);
    out.writeBigUInt64LE(availInodes, 32);
    out.writeUInt32LE(Number(bsize), 40);
    out.writeUInt32LE(255, 44);
    out.writeUInt32LE(Number(bsize), 48);
    r.ok(out);
  }

  // ---- extended attributes ----

  private async setxattr(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const size = b.readUInt32LE(0);
    const flags = b.readUInt32LE(4);
    const [name, next] = cstring(b, 8);
    const value = b.subarray(next, next + size);
    this.noCapability.delete(h.nodeid);
    await this.meta.call('SetXattr', this.caller(h), { inode: h.nodeid.toString(), name, value, flags });
    r.ok();
  }

  private async getxattr(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const size = b.readUInt32LE(0);
    const [name] = cstring(b, 8);
    const isCap = name.toString('latin1') === SECURITY_CAPABILITY;
    if (isCap && (this.noCapability.get(h.nodeid) ?? 0) > Date.now()) return r.err(ERRNO.ENODATA.errno);
    let value: Buffer;
    try {
      value = (await this.meta.call('GetXattr', this.caller(h), { inode: h.nodeid.toString(), name })).value;
    } catch (err) {
      if (isCap && isFsmetaError(err) && err.errnoName === 'ENODATA') {
        if (this.noCapability.size > 10_000) this.noCapability.clear();
        this.noCapability.set(h.nodeid, Date.now() + this.timeouts.attrSec * 1000);
      }
      throw err;
    }
    if (size === 0) return r.ok(u32Out(value.length));
    if (value.length > size) return r.err(ERANGE);
    r.ok(value);
  }

  private async listxattr(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const size = b.readUInt32LE(0);
    const res = await this.meta.call('ListXattr', this.caller(h), { inode: h.nodeid.toString() });
    const list = Buffer.concat(res.names.flatMap((n) => [n, Buffer.from([0])]));
    if (size === 0) return r.ok(u32Out(list.length));
    if (list.length > size) return r.err(ERANGE);
    r.ok(list);
  }

  private async removexattr(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const [name] = cstring(b, 0);
    this.noCapability.delete(h.nodeid);
    await this.meta.call('RemoveXattr', this.caller(h), { inode: h.nodeid.toString(), name });
    r.ok();
  }

  private async access(h: InHeader, b: Buffer, r: Reply): Promise<void> {
    const mask = b.readUInt32LE(0);
    await this.meta.call('Access', this.caller(h), { inode: h.nodeid.toString(), mask });
    r.ok();
  }
}

/** The kernel's "to the end of the file" (OFFSET_MAX) and fsmeta's (2^64 - 1). */
const OFFSET_MAX = (1n << 63n) - 1n;
const MAX_LOCK_END = (1n << 64n) - 1n;
const F_RDLCK = 0;
const F_WRLCK = 1;
const F_UNLCK = 2;
const LOCK_TYPES: Record<number, v1.LockType> = { [F_RDLCK]: 'LOCK_TYPE_READ', [F_WRLCK]: 'LOCK_TYPE_WRITE', [F_UNLCK]: 'LOCK_TYPE_UNLOCK' };
const LOCK_TYPE_CODES: Record<string, number> = { LOCK_TYPE_READ: F_RDLCK, LOCK_TYPE_WRITE: F_WRLCK, LOCK_TYPE_UNLOCK: F_UNLCK };

/** fuse_lk_in: fh, owner, lk {start, end, type, pid}, lk_flags. */
function readLk(b: Buffer): { owner: bigint; start: bigint; end: bigint; type: v1.LockType | undefined; pid: number; flock: boolean } {
  const end = b.readBigUInt64LE(24);
  return {
    owner: b.readBigUInt64LE(8),
    start: b.readBigUInt64LE(16),
    end: end >= OFFSET_MAX ? MAX_LOCK_END : end,
    type: LOCK_TYPES[b.readUInt32LE(32)],
    pid: b.readUInt32LE(36),
    flock: (b.readUInt32LE(40) & LK_FLOCK) !== 0,
  };
}

/**
 * Linux drops set-group-ID on a write, truncate or chown(-1, -1) also when the group may not
 * execute but the caller is not in the file's group and is not privileged
 * (setattr_should_drop_sgid). FUSE's own recomputation of those removals keeps set-group-ID
 * unless the group may execute, so the kernel sends nothing for that case: the mount applies it.
 */
function dropsSetgid(caller: Caller, a: v1.Attr__Output): boolean {
  if (caller.uid === 0 || a.type === 'FILE_TYPE_DIRECTORY') return false;
  if ((a.mode & (S_ISGID | S_IXGRP)) !== S_ISGID) return false;
  return caller.gid !== a.gid && !(caller.gids ?? []).includes(a.gid);
}

/**
 * The supplementary groups of the calling thread. FUSE passes only its fsuid
 * and fsgid; the groups are read from /proc at the time of the request (the
 * caller is blocked in the syscall, so they cannot change meanwhile).
 */
export function groupsOf(pid: number): number[] {
  if (pid === 0) return [];
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return [];
  }
  const m = /^Groups:\s*(.*)$/m.exec(status);
  return m === null || m[1]!.trim() === '' ? [] : m[1]!.trim().split(/\s+/).map(Number);
}

