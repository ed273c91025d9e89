/**
 * The FUSE kernel protocol (include/uapi/linux/fuse.h), the parts this mount
 * speaks: opcodes, flags and the byte layout of the structs it reads and writes.
 * Everything is little-endian (x86-64, arm64). The mount negotiates minor
 * version PROTOCOL_MINOR, so every struct has its modern size.
 */

export const KERNEL_MAJOR = 7;
/** 7.31: RENAME2 (7.23), COPY_FILE_RANGE (7.28), max_pages (7.28), FUSE_CACHE_SYMLINKS, no SETXATTR_EXT. */
export const PROTOCOL_MINOR = 31;

export const IN_HEADER_SIZE = 40;
export const OUT_HEADER_SIZE = 16;
export const ATTR_SIZE = 88;
export const ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
export const ATTR_OUT_SIZE = 16 + ATTR_SIZE;
export const OPEN_OUT_SIZE = 16;
export const STATFS_OUT_SIZE = 80;
export const INIT_OUT_SIZE = 64;

export const Op = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  READLINK: 5,
  SYMLINK: 6,
  MKNOD: 8,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  LINK: 13,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  SETXATTR: 21,
  GETXATTR: 22,
  LISTXATTR: 23,
  REMOVEXATTR: 24,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  GETLK: 31,
  SETLK: 32,
  SETLKW: 33,
  ACCESS: 34,
  CREATE: 35,
  INTERRUPT: 36,
  BMAP: 37,
  DESTROY: 38,
  IOCTL: 39,
  POLL: 40,
  BATCH_FORGET: 42,
  FALLOCATE: 43,
  READDIRPLUS: 44,
  RENAME2: 45,
  LSEEK: 46,
  COPY_FILE_RANGE: 47,
} as const;

/** fuse_init_in/out flags. */
export const Init = {
  ASYNC_READ: 1 << 0,
  POSIX_LOCKS: 1 << 1,
  ATOMIC_O_TRUNC: 1 << 3,
  BIG_WRITES: 1 << 5,
  DONT_MASK: 1 << 6,
  FLOCK_LOCKS: 1 << 10,
  AUTO_INVAL_DATA: 1 << 12,
  DO_READDIRPLUS: 1 << 13,
  READDIRPLUS_AUTO: 1 << 14,
  ASYNC_DIO: 1 << 15,
  WRITEBACK_CACHE: 1 << 16,
  PARALLEL_DIROPS: 1 << 18,
  HANDLE_KILLPRIV: 1 << 19,
  MAX_PAGES: 1 << 22,
  CACHE_SYMLINKS: 1 << 23,
} as const;

/** fuse_setattr_in.valid bits. */
export const Fattr = {
  MODE: 1 << 0,
  UID: 1 << 1,
  GID: 1 << 2,
  SIZE: 1 << 3,
  ATIME: 1 << 4,
  MTIME: 1 << 5,
  FH: 1 << 6,
  ATIME_NOW: 1 << 7,
  MTIME_NOW: 1 << 8,
  LOCKOWNER: 1 << 9,
  CTIME: 1 << 10,
  KILL_SUIDGID: 1 << 11,
} as const;

/** fuse_open_out.open_flags. */
export const FOPEN_KEEP_CACHE = 1 << 1;
/** fuse_getattr_in.getattr_flags: fh is valid. */
export const GETATTR_FH = 1;
/** fuse_lk_in.lk_flags: a BSD flock, not a POSIX record lock. */
export const LK_FLOCK = 1;
/** fuse_release_in.release_flags: drop the flock held by lock_owner. */
export const RELEASE_FLOCK_UNLOCK = 1 << 1;

/** Notification codes (written with unique 0 and the code in the error field). */
export const NOTIFY_INVAL_INODE = 2;
export const NOTIFY_INVAL_ENTRY = 3;

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** The fixed part of every request. */
export interface InHeader {
  len: number;
  opcode: number;
  unique: bigint;
  nodeid: bigint;
  uid: number;
  gid: number;
  pid: number;
}

export function readInHeader(buf: Buffer): InHeader {
  return {
    len: buf.readUInt32LE(0),
    opcode: buf.readUInt32LE(4),
    unique: buf.readBigUInt64LE(8),
    nodeid: buf.readBigUInt64LE(16),
    uid: buf.readUInt32LE(24),
    gid: buf.readUInt32LE(28),
    pid: buf.readUInt32LE(32),
  };
}

/** Attributes as the kernel wants them (fuse_attr). */
export interface KAttr {
  ino: bigint;
  size: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  blksize: number;
}

const NS = 1_000_000_000n;

function splitTime(ns: bigint): [bigint, number] {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += NS;
  }
  return [sec, Number(nsec)];
}

export function writeAttr(buf: Buffer, at: number, a: KAttr): void {
  const [as, an] = splitTime(a.atimeNs);
  const [ms, mn] = splitTime(a.mtimeNs);
  const [cs, cn] = splitTime(a.ctimeNs);
  buf.writeBigUInt64LE(a.ino, at);
  buf.writeBigUInt64LE(a.size, at + 8);
  buf.writeBigUInt64LE((a.size + 511n) / 512n, at + 16);
  buf.writeBigInt64LE(as, at + 24);
  buf.writeBigInt64LE(ms, at + 32);
  buf.writeBigInt64LE(cs, at + 40);
  buf.writeUInt32LE(an, at + 48);
  buf.writeUInt32LE(mn, at + 52);
  buf.writeUInt32LE(cn, at + 56);
  buf.writeUInt32LE(a.mode >>> 0, at + 60);
  buf.writeUInt32LE(a.nlink >>> 0, at + 64);
  buf.writeUInt32LE(a.uid >>> 0, at + 68);
  buf.writeUInt32LE(a.gid >>> 0, at + 72);
  buf.writeUInt32LE(a.rdev >>> 0, at + 76);
  buf.writeUInt32LE(a.blksize >>> 0, at + 80);
  buf.writeUInt32LE(0, at + 84);
}

/** Seconds (possibly fractional) as the (u64 seconds, u32 nanoseconds) pair of a validity. */
function splitTimeout(seconds: number): [bigint, number] {
  const whole = Math.floor(seconds);
  return [BigInt(whole), Math.round((seconds - whole) * 1e9)];
}

export function writeEntryOut(buf: Buffer, at: number, nodeid: bigint, attr: KAttr | undefined, entrySec: number, attrSec: number): void {
  const [es, en] = splitTimeout(entrySec);
  const [as, an] = splitTimeout(attrSec);
  buf.writeBigUInt64LE(nodeid, at);
  buf.writeBigUInt64LE(0n, at + 8); // generation: inode numbers are never reused
  buf.writeBigUInt64LE(es, at + 16);
  buf.writeBigUInt64LE(as, at + 24);
  buf.writeUInt32LE(en, at + 32);
  buf.writeUInt32LE(an, at + 36);
  if (attr !== undefined) writeAttr(buf, at + 40, attr);
  else buf.fill(0, at + 40, at + 40 + ATTR_SIZE);
}

export function entryOut(nodeid: bigint, attr: KAttr | undefined, entrySec: number, attrSec: number): Buffer {
  const buf = Buffer.alloc(ENTRY_OUT_SIZE);
  writeEntryOut(buf, 0, nodeid, attr, entrySec, attrSec);
  return buf;
}

export function attrOut(attr: KAttr, attrSec: number): Buffer {
  const buf = Buffer.alloc(ATTR_OUT_SIZE);
  const [as, an] = splitTimeout(attrSec);
  buf.writeBigUInt64LE(as, 0);
  buf.writeUInt32LE(an, 8);
  writeAttr(buf, 16, attr);
  return buf;
}

export function openOut(fh: bigint, openFlags: number): Buffer {
  const buf = Buffer.alloc(OPEN_OUT_SIZE);
  buf.writeBigUInt64LE(fh, 0);
  buf.writeUInt32LE(openFlags, 8);
  return buf;
}

export function writeOut(size: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeUInt32LE(size, 0);
  return buf;
}

export function u32Out(n: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeUInt32LE(n, 0);
  return buf;
}

/** fuse_dirent: ino, off (of the next entry), namelen, type, name, padded to 8 bytes. */
export function direntSize(nameLen: number, plus: boolean): number {
  return (plus ? ENTRY_OUT_SIZE : 0) + ((24 + nameLen + 7) & ~7);
}

export function writeDirent(buf: Buffer, at: number, ino: bigint, off: bigint, name: Buffer, dtype: number): number {
  buf.writeBigUInt64LE(ino, at);
  buf.writeBigUInt64LE(off, at + 8);
  buf.writeUInt32LE(name.length, at + 16);
  buf.writeUInt32LE(dtype, at + 20);
  name.copy(buf, at + 24);
  const size = (24 + name.length + 7) & ~7;
  buf.fill(0, at + 24 + name.length, at + size);
  return size;
}

/** A NUL-terminated name at `at`: the name and where the next field starts. */
export function cstring(buf: Buffer, at: number): [Buffer, number] {
  const end = buf.indexOf(0, at);
  const stop = end < 0 ? buf.length : end;
  return [buf.subarray(at, stop), stop + 1];
}
